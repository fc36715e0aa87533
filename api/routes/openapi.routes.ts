import { Router } from 'express';
import { buildOpenApiDocument } from '../openapi/document';

export function openApiRoutes(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(buildOpenApiDocument());
  });
  return router;
}
