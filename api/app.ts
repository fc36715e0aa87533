// Builds the Express app from its dependencies; no globals, so tests build one per suite.
import express, { Express, Router } from 'express';
import { OrganizationsRepository } from '../db/repositories/organizations.repository';
import { EngineClient } from '../engine/engine-client';
import type { AppDeps } from './app-deps';
import { cachedTokenResolver, requireOrganizationToken } from './auth';
import { requireCustomerSession } from './customer-auth';
import { errorHandler, NotFoundError } from './errors';
import { knownRoutesOnly } from './known-routes';
import { requestLog } from './request-log';
import { customerPortalGrantsRoutes } from './routes/customer-portal-grants.routes';
import { customerPortalLicenseKeysPublicRoutes, customerPortalLicenseKeysRoutes } from './routes/customer-portal-license-keys.routes';
import { customerPortalCustomerRoutes } from './routes/customers.routes';
import { healthRoutes } from './routes/health.routes';
import { openApiRoutes } from './routes/openapi.routes';
import { v1Routes } from './routes/v1.routes';
import { CommerceService } from './services/commerce.service';
import { EngineService } from './services/engine.service';

export type { AppDeps };

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.TRUST_PROXY);
  app.use(requestLog(deps.logger));
  app.use(express.json({ limit: '1mb' }));

  app.use(
    healthRoutes([
      { name: 'postgres', check: async () => void (await deps.dataSource.query('SELECT 1')) },
      { name: 'temporal', check: async () => void (await deps.temporal.workflowService.getSystemInfo({})) },
    ]),
  );
  app.use(openApiRoutes());

  const engineClient = new EngineClient(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE);
  const engine = new EngineService(engineClient, deps.dataSource, deps.logger);
  const commerce = new CommerceService(deps.dataSource, engineClient, engine, deps.logger);

  // Public license key endpoints (validate / activate / deactivate) need no token: before the portal.
  app.use('/v1/customer-portal', customerPortalLicenseKeysPublicRoutes(deps));

  // Customer portal: customer session tokens only (mounted before the organization-token routes).
  // A path no portal route answers is a 404 with or without a token; a known one needs the session.
  const portal = Router();
  portal.use(customerPortalCustomerRoutes(deps));
  portal.use(customerPortalGrantsRoutes(deps, engineClient));
  portal.use(customerPortalLicenseKeysRoutes(deps));
  app.use('/v1/customer-portal', knownRoutesOnly(portal), requireCustomerSession(deps.dataSource), portal);

  const v1 = Router();
  v1.use(requireOrganizationToken(cachedTokenResolver(new OrganizationsRepository(deps.dataSource))));
  v1.use(v1Routes(deps, { engine, commerce }));
  app.use('/v1', v1);

  app.use((req, _res, next) => next(new NotFoundError(`No route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));
  return app;
}
