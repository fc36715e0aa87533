// The local storage driver's own URLs: part uploads (PUT) and downloads (GET), authorised by the
// URL's signature alone (no token), so they are mounted (at LOCAL_STORAGE_PATH) before the body
// parser and the auth guards.
import { Router } from 'express';
import { LOCAL_OBJECT_ROUTE, LOCAL_PART_ROUTE, LocalStorage } from '../../integrations/storage/local-storage';
import type { ApiServices } from '../composition';

export function filesStorageRoutes(services: ApiServices): Router {
  const router = Router();
  const storage = services.providers.storage;
  if (!(storage instanceof LocalStorage)) return router;
  router.put(`${LOCAL_PART_ROUTE}:token`, async (req, res) => {
    await storage.receivePart(String(req.params.token), req, res);
  });
  router.get(`${LOCAL_OBJECT_ROUTE}:token`, async (req, res) => {
    await storage.serveObject(String(req.params.token), res);
  });
  return router;
}
