// Our extensions for accounts on providers: the GitHub App's install flow and repository list
// (organization token), the OAuth callbacks the providers send browsers back to (no token: the
// one-time state says who), and the customer portal's linking endpoints (customer session).
import { Router, type Request } from 'express';
import { LINKED_PLATFORMS, type LinkedPlatform } from '../../db/repositories/linked-accounts.repository';
import { organizationIdOf } from '../auth';
import type { ApiServices } from '../composition';
import { customerIdOf } from '../customer-auth';
import { NotFoundError, RequestValidationError } from '../errors';
import { parseQuery } from '../validation';
import { authorizeQuery, returnToQuery } from '../schemas/integrations.schemas';

function ownOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host')}`;
}

function platformOf(value: string | undefined, loc: string[]): LinkedPlatform {
  if (!(LINKED_PLATFORMS as readonly string[]).includes(value ?? '')) {
    throw RequestValidationError.at(loc, `Must be one of: ${LINKED_PLATFORMS.join(', ')}`, 'enum', value);
  }
  return value as LinkedPlatform;
}

/** Where the callbacks browsers come back to are mounted, before the organization-token check. */
export const INTEGRATION_CALLBACKS_PATH = '/v1/integrations';

/** Browsers come back here from GitHub and Discord (mounted at INTEGRATION_CALLBACKS_PATH). */
export function integrationCallbackRoutes(services: ApiServices): Router {
  const router = Router();
  router.get('/github/setup', async (req, res) => {
    res.redirect(302, await services.githubInstallations.setup(req.query));
  });
  router.get('/:platform/callback', async (req, res) => {
    const platform = platformOf(req.params.platform, ['path', 'platform']);
    res.redirect(302, await services.accountLinking.callback(platform, req.query, ownOrigin(req)));
  });
  return router;
}

/** Organization-token routes of the GitHub App. */
export function githubIntegrationRoutes(services: ApiServices): Router {
  const router = Router();
  router.get('/integrations/github/install', async (req, res) => {
    const q = parseQuery(returnToQuery, req);
    res.json({ url: await services.githubInstallations.installUrl(organizationIdOf(res), q.return_to, ownOrigin(req)) });
  });
  router.get('/integrations/github/repositories', async (_req, res) => {
    res.json(await services.githubInstallations.repositories(organizationIdOf(res)));
  });
  return router;
}

/** Customer portal: link and unlink the customer's own accounts. */
export function customerPortalOAuthAccountsRoutes(services: ApiServices): Router {
  const router = Router();
  router.get('/oauth-accounts/authorize', async (req, res) => {
    const q = parseQuery(authorizeQuery, req);
    const customer = { id: customerIdOf(res), organizationId: res.locals.organizationId as string };
    res.json({ url: await services.accountLinking.authorize(customer, q.platform, q.return_to, ownOrigin(req)) });
  });
  router.delete('/oauth-accounts/:platform', async (req, res) => {
    const platform = platformOf(req.params.platform, ['path', 'platform']);
    await services.accountLinking.unlink(customerIdOf(res), platform);
    res.status(204).end();
  });
  router.all('/oauth-accounts/:platform', () => {
    throw new NotFoundError();
  });
  return router;
}
