// /v1/customer-portal/benefit-grants: a customer sees their grants and resumes one that waits on
// them by linking an account (PATCH with properties.account_id).
import { Router } from 'express';
import { z } from 'zod';
import { listGrantIds } from '../../db/repositories/grant-list.sql';
import { GrantsRepository } from '../../db/repositories/grants.repository';
import type { LinkedPlatform } from '../../db/repositories/linked-accounts.repository';
import type { ApiServices } from '../composition';
import { customerIdOf } from '../customer-auth';
import { NotFoundError, NotPermittedError, RequestValidationError } from '../errors';
import { listResource, offsetOf, paginationQuery } from '../pagination';
import { portalGrantViews } from '../../wire/grant.views';
import { multi, parseBody, parseQuery, pathId, safeString, TEXT_LIMITS, uuid } from '../validation';

const listQuery = z.object({
  ...paginationQuery,
  type: multi(safeString(TEXT_LIMITS.short)),
  benefit_id: multi(uuid),
  order_id: multi(uuid),
  subscription_id: multi(uuid),
  sorting: z.unknown().optional(),
});

/** The types whose grant update carries `properties.account_id` (CustomerBenefitGrant*Update), and their platform. */
const ACCOUNT_PLATFORMS: Record<string, LinkedPlatform> = { github_repository: 'github', discord: 'discord' };
const ACCOUNT_LINKED_TYPES = Object.keys(ACCOUNT_PLATFORMS);

const updateBody = z.object({
  benefit_type: safeString(TEXT_LIMITS.short),
  properties: z
    .object({ account_id: safeString(TEXT_LIMITS.short).min(1).nullable().optional() })
    .passthrough()
    .optional(),
});

export function customerPortalGrantsRoutes(services: ApiServices): Router {
  const engine = services.engineClient;
  const router = Router();
  const ds = services.dataSource;

  async function findOwn(res: any, id: string) {
    const g = await new GrantsRepository(ds).findOwnWithType(id, customerIdOf(res));
    if (!g) throw new NotFoundError('Benefit grant not found');
    return g;
  }

  router.get(['/benefit-grants/', '/benefit-grants'], async (req, res) => {
    const q = parseQuery(listQuery, req);
    const orgId = res.locals.organizationId as string;
    const { ids, total } = await listGrantIds(
      ds,
      orgId,
      {
        customerIds: [customerIdOf(res)],
        types: q.type,
        benefitIds: q.benefit_id,
        orderIds: q.order_id,
        subscriptionIds: q.subscription_id,
      },
      'g.granted_at DESC NULLS LAST',
      q.limit,
      offsetOf(q),
    );
    res.json(listResource(await portalGrantViews(ds, ids), total, q));
  });

  router.get('/benefit-grants/:id', async (req, res) => {
    const g = await findOwn(res, pathId(req, 'id', 'Benefit grant'));
    res.json((await portalGrantViews(ds, [g.id]))[0]);
  });

  router.patch('/benefit-grants/:id', async (req, res) => {
    const g = await findOwn(res, pathId(req, 'id', 'Benefit grant'));
    const body = parseBody(updateBody, req);
    if (body.benefit_type !== g.benefit_type) throw RequestValidationError.at(['body', 'benefit_type'], `Must be '${g.benefit_type}'`);
    const accountId = body.properties?.account_id;
    if (accountId !== undefined && !ACCOUNT_LINKED_TYPES.includes(g.benefit_type)) {
      throw RequestValidationError.at(
        ['body', 'properties', 'account_id'],
        `Not accepted for a ${g.benefit_type} benefit grant`,
        'extra_forbidden',
      );
    }
    // A revoked grant is the merchant's or the scope's decision: the customer cannot undo it.
    if (g.revoked_at) throw new NotPermittedError('Cannot update a revoked benefit grant.');
    // Only the account the customer linked on that platform (GET /customers/me, oauth_accounts).
    if (accountId !== undefined && accountId !== null) {
      const platform = ACCOUNT_PLATFORMS[g.benefit_type];
      if (accountId !== (await services.accountLinking.linkedAccountId(g.customer_id, platform))) {
        throw RequestValidationError.at(
          ['body', 'properties', 'account_id'],
          `Link this ${platform} account first (GET /v1/customer-portal/oauth-accounts/authorize?platform=${platform})`,
        );
      }
    }
    if (accountId !== undefined && !g.granted_at) {
      // Resumes a grant parked on the customer (e.g. GitHub or Discord account not linked).
      await engine.commandGrantAndWait(
        {
          grantId: g.id,
          organizationId: g.organization_id,
          customerId: g.customer_id,
          benefitId: g.benefit_id,
          benefitType: g.benefit_type,
        },
        { action: 'accountLinked', accountId },
      );
    }
    res.json((await portalGrantViews(ds, [g.id]))[0]);
  });
  return router;
}
