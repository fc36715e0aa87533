import { Router } from 'express';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { NotFoundError } from '../errors';
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

  router.use(productsRoutes(services));
  router.use(benefitsRoutes(services));
  router.use(benefitGrantsRoutes(services));
  router.use(customersRoutes(services));
  router.use(customerSessionsRoutes(services));
  router.use(ordersRoutes(services));
  router.use(refundsRoutes(services));
  router.use(subscriptionsRoutes(services));
  router.use(webhookEndpointsRoutes(services));
  router.use(licenseKeysRoutes(services));
  router.use(filesRoutes(services));
  router.use(metersRoutes(services));
  router.use(discordIntegrationRoutes(services));
  router.use(githubIntegrationRoutes(services));

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
