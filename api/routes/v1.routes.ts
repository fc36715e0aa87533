import { Router } from 'express';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { CustomersRepository } from '../../db/repositories/customers.repository';
import type { AppDeps } from '../app-deps';
import { organizationIdOf } from '../auth';
import { NotFoundError } from '../errors';
import type { CommerceService } from '../services/commerce.service';
import type { EngineService } from '../services/engine.service';
import { benefitGrantsReader, benefitGrantsRoutes } from './benefit-grants.routes';
import { benefitsRoutes } from './benefits.routes';
import { customerSessionsRoutes } from './customer-sessions.routes';
import { customersRoutes } from './customers.routes';
import { licenseKeysRoutes } from './license-keys.routes';
import { ordersRoutes } from './orders.routes';
import { productsRoutes } from './products.routes';
import { refundsRoutes } from './refunds.routes';
import { subscriptionsRoutes } from './subscriptions.routes';
import { webhookEndpointsRoutes } from './webhook-endpoints.routes';

export interface V1Services {
  engine: EngineService;
  commerce: CommerceService;
}

/** Every organization-scoped resource router hangs here (behind the organization token). */
export function v1Routes(deps: AppDeps, services: V1Services): Router {
  const router = Router();
  const organizations = new OrganizationsRepository(deps.dataSource);

  router.use(productsRoutes(deps, services.engine));
  router.use(benefitsRoutes(deps, services.engine, benefitGrantsReader(deps.dataSource)));
  router.use(benefitGrantsRoutes(deps));
  router.use(customersRoutes(deps, services.engine, new CustomersRepository(deps.dataSource)));
  router.use(customerSessionsRoutes(deps));
  router.use(ordersRoutes(deps, services.commerce));
  router.use(refundsRoutes(deps, services.commerce));
  router.use(subscriptionsRoutes(deps, services.commerce));
  router.use(webhookEndpointsRoutes(deps, services.engine));
  router.use(licenseKeysRoutes(deps, services.engine));

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
