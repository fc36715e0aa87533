// The /v1 resource routers are indexed by their routes' first segment so a request skips the
// routes of every other resource; what answers a request must be what answered it before.
import express, { Router, type Express } from 'express';
import type { Server } from 'node:http';
import { indexedByFirstSegment, literalFirstSegment } from '../../api/route-index';

function answering(name: string, ...paths: string[]): Router {
  const router = Router();
  for (const p of paths) router.get(p, (req, res) => void res.json({ by: name, params: req.params }));
  return router;
}

async function withServer(
  app: Express,
  run: (get: (path: string, method?: string) => Promise<{ status: number; body: any }>) => Promise<void>,
) {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;
  try {
    await run(async (path, method = 'GET') => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
      return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
    });
  } finally {
    await new Promise((r) => server.close(r));
  }
}

function appWith(routers: Router[]): Express {
  const app = express();
  const v1 = Router();
  v1.use(indexedByFirstSegment(routers));
  v1.get('/organizations/:id', (_req, res) => void res.json({ by: 'v1 itself' }));
  app.use('/v1', v1);
  app.use((_req, res) => void res.status(404).json({ by: 'not found' }));
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: err.message });
  });
  return app;
}

test('literalFirstSegment reads the literal first segment of a route path, or none', () => {
  expect(literalFirstSegment('/license-keys/:id')).toBe('license-keys');
  expect(literalFirstSegment('/license-keys')).toBe('license-keys');
  expect(literalFirstSegment('/Customers/')).toBe('customers');
  expect(literalFirstSegment('/:slug/portal')).toBeNull();
  expect(literalFirstSegment('/*rest')).toBeNull();
  expect(literalFirstSegment('/{a}/b')).toBeNull();
  expect(literalFirstSegment('relative')).toBeNull();
});

test('each request reaches the router its first segment names, with its parameters', async () => {
  const app = appWith([
    answering('products', '/products/', '/products/:id'),
    answering('license-keys', ['/license-keys/', '/license-keys'] as unknown as string, '/license-keys/:id'),
  ]);
  await withServer(app, async (get) => {
    expect((await get('/v1/products/')).body).toEqual({ by: 'products', params: {} });
    expect((await get('/v1/license-keys')).body).toEqual({ by: 'license-keys', params: {} });
    expect((await get('/v1/license-keys/k1')).body).toEqual({ by: 'license-keys', params: { id: 'k1' } });
    // Express matches case-insensitively by default; so does the index.
    expect((await get('/v1/LICENSE-KEYS/k2')).body).toEqual({ by: 'license-keys', params: { id: 'k2' } });
    // A route on the enclosing router after the index, and an unknown path, still answer.
    expect((await get('/v1/organizations/o1')).body).toEqual({ by: 'v1 itself' });
    expect(await get('/v1/nothing/here')).toEqual({ status: 404, body: { by: 'not found' } });
    expect(await get('/v1/products/1/2')).toEqual({ status: 404, body: { by: 'not found' } });
  });
});

test('routers sharing a segment keep their order, and a router it cannot index is asked for every path', async () => {
  const first = answering('first', '/benefits/:id');
  const second = answering('second', '/benefits/:id/grants', '/benefits/special');
  // A parameter first: it could answer any path, so it is asked wherever it stood.
  const anywhere = answering('anywhere', '/:slug/portal');
  const withMiddleware = Router();
  withMiddleware.use((req, _res, next) => {
    if (req.path === '/mw/hit' || req.path === '/benefits/a/b/c') throw new Error(`middleware saw ${req.path}`);
    next();
  });
  const app = appWith([first, anywhere, second, withMiddleware]);
  await withServer(app, async (get) => {
    // '/benefits/special' matches both; the router listed first answers, as without the index.
    expect((await get('/v1/benefits/special')).body).toEqual({ by: 'first', params: { id: 'special' } });
    expect((await get('/v1/benefits/b1/grants')).body).toEqual({ by: 'second', params: { id: 'b1' } });
    expect((await get('/v1/benefits/portal')).body).toEqual({ by: 'first', params: { id: 'portal' } });
    expect((await get('/v1/acme/portal')).body).toEqual({ by: 'anywhere', params: { slug: 'acme' } });
    // Requests for an indexed segment and for an unknown one both pass the unindexable routers.
    expect(await get('/v1/benefits/a/b/c')).toEqual({ status: 500, body: { error: 'middleware saw /benefits/a/b/c' } });
    expect(await get('/v1/mw/hit')).toEqual({ status: 500, body: { error: 'middleware saw /mw/hit' } });
  });
});

test('an error a handler throws reaches the error handler', async () => {
  const failing = Router();
  failing.get('/failing', () => {
    throw new Error('boom');
  });
  await withServer(appWith([answering('products', '/products'), failing]), async (get) => {
    expect(await get('/v1/failing')).toEqual({ status: 500, body: { error: 'boom' } });
  });
});
