// The customer's downloadable files (GET /v1/customer-portal/downloadables/, customer session) and
// the download links they carry (GET /v1/customer-portal/downloadables/{token}: the link is the
// credential, so it needs no session; it counts the download and redirects to the storage URL).
import { Router } from 'express';
import type { ApiServices } from '../composition';
import { customerIdOf } from '../customer-auth';
import { portalDownloadableListQuery } from '../schemas/files.schemas';
import { parseQuery } from '../validation';
import { requestOrigin } from './files.routes';

export function customerPortalDownloadablesRoutes(services: ApiServices): Router {
  const router = Router();
  router.get(['/downloadables/', '/downloadables'], async (req, res) => {
    const q = parseQuery(portalDownloadableListQuery, req);
    res.json(await services.files.portalList(customerIdOf(res), q, requestOrigin(req)));
  });
  return router;
}

export function customerPortalDownloadPublicRoutes(services: ApiServices): Router {
  const router = Router();
  router.get('/downloadables/:token', async (req, res) => {
    const location = await services.files.redeem(String(req.params.token), requestOrigin(req));
    res.setHeader('Cache-Control', 'private, no-store');
    res.redirect(302, location);
  });
  return router;
}
