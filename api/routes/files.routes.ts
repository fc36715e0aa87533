// /v1/files: Polar's files API (create a multipart upload, complete it, list, rename, delete) and
// GET /v1/benefits/{id}/files (a downloadables benefit's files with their download counts).
import { Router, type Request } from 'express';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { benefitFilesQuery, fileCreateBody, fileListQuery, filePatchBody, fileUploadedBody } from '../schemas/files.schemas';
import { parseBody, parseQuery, pathId } from '../validation';

/** Where this request reached us: the base of the local driver's URLs when PUBLIC_BASE_URL is unset. */
export function requestOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host')}`;
}

export function filesRoutes(services: ApiServices): Router {
  const files = services.files;
  const router = Router();

  router.get(['/files/', '/files'], async (req, res) => {
    res.json(await files.list(organizationIdOf(res), parseQuery(fileListQuery, req)));
  });

  router.post(['/files/', '/files'], async (req, res) => {
    const body = parseBody(fileCreateBody, req);
    res.status(201).json(await files.create(organizationIdOf(res), body, requestOrigin(req)));
  });

  router.post('/files/:id/uploaded', async (req, res) => {
    const id = pathId(req, 'id', 'File');
    await files.mustFind(organizationIdOf(res), id);
    res.json(await files.complete(organizationIdOf(res), id, parseBody(fileUploadedBody, req)));
  });

  router.patch('/files/:id', async (req, res) => {
    const id = pathId(req, 'id', 'File');
    await files.mustFind(organizationIdOf(res), id);
    res.json(await files.update(organizationIdOf(res), id, parseBody(filePatchBody, req)));
  });

  router.delete('/files/:id', async (req, res) => {
    await files.remove(organizationIdOf(res), pathId(req, 'id', 'File'));
    res.status(204).end();
  });

  router.get('/benefits/:id/files', async (req, res) => {
    const id = pathId(req, 'id', 'Benefit');
    res.json(await files.benefitFiles(organizationIdOf(res), id, parseQuery(benefitFilesQuery, req)));
  });

  return router;
}
