import { Router } from 'express';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { NotFoundError } from '../errors';
import { indexedByFirstSegment } from '../route-index';
import { benefitGrantsRoutes } from './benefit-grants.routes';
import { benefitsRoutes } from './benefits.routes';
import { customerSessionsRoutes } from './customer-sessions.routes';
import { customersRoutes } from './customers.routes';
import { filesRoutes } from './files.routes';
import { discordIntegrationRoutes } from './discord-integration.routes';
import { licenseKeysRoutes } from './license-keys.routes';
import { metersRoutes } from './meters.routes';
import { ordersRoutes } from './orders.routes';
import { productsRoutes } from './products.routes';
import { refundsRoutes } from './refunds.routes';
import { subscriptionsRoutes } from './subscriptions.routes';
import { webhookEndpointsRoutes } from './webhook-endpoints.routes';
import { githubIntegrationRoutes } from './integrations.routes';

/** Every organization-scoped resource router hangs here (behind the organization token). */
export function v1Routes(services: ApiServices): Router {
  const router = Router();
  const organizations = services.organizations;

  // Indexed by first segment: a request walks only its own resource's routes (see route-index.ts).
  router.use(
    indexedByFirstSegment([
      productsRoutes(services),
      benefitsRoutes(services),
      benefitGrantsRoutes(services),
      customersRoutes(services),
      customerSessionsRoutes(services),
      ordersRoutes(services),
      refundsRoutes(services),
      subscriptionsRoutes(services),
      webhookEndpointsRoutes(services),
      licenseKeysRoutes(services),
      filesRoutes(services),
      metersRoutes(services),
      discordIntegrationRoutes(services),
      githubIntegrationRoutes(services),
    ]),
  );

  // The token's own organization; Polar's GET /v1/organizations/{id}, limited to the caller's.
  router.get('/organizations/:id', async (req, res) => {
    const orgId = organizationIdOf(res);
    if (req.params.id !== orgId) throw new NotFoundError('Organization not found');
    const org = await organizations.findById(orgId);
    if (!org) throw new NotFoundError('Organization not found');
    res.json({ id: org.id, name: org.name, slug: org.slug, created_at: org.createdAt.toISOString() });
  });
  return router;
}
