// Builds the Express app from its dependencies (composed once in composition.ts); no globals, so
// tests build one per suite.
import express, { Express, Router } from 'express';
import { cachedTokenResolver, requireOrganizationToken } from './auth';
import { composeApi, type AppDeps } from './composition';
import { requireCustomerSession } from './customer-auth';
import { errorHandler, NotFoundError } from './errors';
import { jsonBody } from './json-body';
import { knownRoutesOnly } from './known-routes';
import { requestLog } from './request-log';
import { customerPortalDownloadablesRoutes, customerPortalDownloadPublicRoutes } from './routes/customer-portal-downloadables.routes';
import { customerPortalGrantsRoutes } from './routes/customer-portal-grants.routes';
import { customerPortalMetersRoutes } from './routes/customer-portal-meters.routes';
import { customerPortalProductsRoutes } from './routes/customer-portal-products.routes';
import { customerPortalLicenseKeysPublicRoutes, customerPortalLicenseKeysRoutes } from './routes/customer-portal-license-keys.routes';
import { customerPortalCustomerRoutes } from './routes/customers.routes';
import { filesStorageRoutes } from './routes/files-storage.routes';
import { discordBotCallbackRoutes } from './routes/discord-integration.routes';
import { healthRoutes } from './routes/health.routes';
import { openApiRoutes } from './routes/openapi.routes';
import { portalPageRoutes } from './routes/portal-page.routes';
import { v1Routes } from './routes/v1.routes';
import { customerPortalOAuthAccountsRoutes, INTEGRATION_CALLBACKS_PATH, integrationCallbackRoutes } from './routes/integrations.routes';
import { LOCAL_STORAGE_PATH } from '../integrations/storage/local-storage';

export type { AppDeps } from './composition';

export function createApp(deps: AppDeps): Express {
  const services = composeApi(deps);
  const app = express();
  app.disable('x-powered-by');
  // Express would hash every JSON body into a weak ETag (about 2% of the API's CPU on license key
  // validation) for conditional GETs that no API client here makes; Polar's API sends none either.
  app.set('etag', false);
  app.set('trust proxy', deps.config.TRUST_PROXY);
  app.use(requestLog(deps.logger));
  // The local storage driver's signed part uploads stream raw bytes: before the JSON body parser.
  app.use(LOCAL_STORAGE_PATH, filesStorageRoutes(services));
  app.use(jsonBody(1024 * 1024));

  app.use(healthRoutes(services));
  app.use(openApiRoutes());

  // Public license key endpoints (validate / activate / deactivate) need no token: before the portal.
  app.use('/v1/customer-portal', customerPortalLicenseKeysPublicRoutes(services));
  app.use('/v1/customer-portal', customerPortalDownloadPublicRoutes(services));

  // Customer portal: customer session tokens only (mounted before the organization-token routes).
  // A path no portal route answers is a 404 with or without a token; a known one needs the session.
  const portal = Router();
  portal.use(customerPortalCustomerRoutes(services));
  portal.use(customerPortalGrantsRoutes(services));
  portal.use(customerPortalLicenseKeysRoutes(services));
  portal.use(customerPortalDownloadablesRoutes(services));
  portal.use(customerPortalMetersRoutes(services));
  portal.use(customerPortalOAuthAccountsRoutes(services));
  portal.use(customerPortalProductsRoutes(services));
  app.use('/v1/customer-portal', knownRoutesOnly(portal), requireCustomerSession(deps.dataSource), portal);

  // Providers send browsers back here: no organization token. Discord's signed state, or the
  // one-time state of an account link, says who started it.
  app.use(INTEGRATION_CALLBACKS_PATH, discordBotCallbackRoutes(services), integrationCallbackRoutes(services));

  // The customer portal page (the path of customer_portal_url) and its static modules.
  app.use(portalPageRoutes(services));

  const v1 = Router();
  v1.use(requireOrganizationToken(cachedTokenResolver(services.organizations)));
  v1.use(v1Routes(services));
  app.use('/v1', v1);

  app.use((req, _res, next) => next(new NotFoundError(`No route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));
  return app;
}
