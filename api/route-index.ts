// Express tries a request against every layer in order: with the fourteen resource routers in one
// list, POST /v1/license-keys/validate walked about fifty routes of the routers mounted before
// license keys (a regex test each, plus entering each router) before reaching its own, about a
// quarter of the API's CPU per validation beyond the public route's. Indexing the routers by the
// first segment of the routes they declare sends a request only to the routers that can answer it,
// in their original order, so what answers is unchanged.
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';

/** The parts of Express 5's router layers (router 2.x) this reads. */
interface RouterLayer {
  route?: { path: string | string[] | RegExp };
}

/** What follows the leading '/' up to the next one ('/license-keys/:id' -> 'license-keys'). */
function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return path.slice(1, end < 0 ? undefined : end);
}

/** A route path's literal first segment, lower-cased as Express matches; null when it has none. */
export function literalFirstSegment(path: string): string | null {
  const segment = path.startsWith('/') ? firstSegment(path) : '';
  return /^[A-Za-z0-9._~-]+$/.test(segment) ? segment.toLowerCase() : null;
}

/** Every first segment `router`'s routes answer; null when some layer could answer any path. */
function firstSegmentsOf(router: Router): Set<string> | null {
  const segments = new Set<string>();
  for (const layer of (router as unknown as { stack: RouterLayer[] }).stack) {
    const path = layer.route?.path;
    if (path === undefined || path instanceof RegExp) return null; // middleware, or a pattern
    for (const p of Array.isArray(path) ? path : [path]) {
      const segment = literalFirstSegment(p);
      if (segment === null) return null;
      segments.add(segment);
    }
  }
  return segments;
}

/**
 * One handler for `routers` that hands a request to those whose routes start with its path's first
 * segment, and to those it cannot index (a middleware, a parameter or pattern first), in order.
 */
export function indexedByFirstSegment(routers: Router[]): RequestHandler {
  const indexed = routers.map((router) => ({ router, segments: firstSegmentsOf(router) }));
  const everywhere = indexed.filter((r) => r.segments === null).map((r) => r.router);
  const segments = new Set(indexed.flatMap((r) => [...(r.segments ?? [])]));
  const bySegment = new Map(
    [...segments].map((segment) => [segment, indexed.filter((r) => r.segments === null || r.segments.has(segment)).map((r) => r.router)]),
  );
  return (req: Request, res: Response, next: NextFunction): void => {
    // Lower-cased: Express matches routes case-insensitively by default.
    const candidates = bySegment.get(firstSegment(req.path).toLowerCase()) ?? everywhere;
    // Most paths have one candidate: no stepping closure for them (tsx names each closure it makes).
    if (candidates.length === 1) {
      candidates[0](req, res, next);
      return;
    }
    let i = 0;
    const step = (err?: unknown): void => {
      if (err || i >= candidates.length) return next(err);
      candidates[i++](req, res, step);
    };
    step();
  };
}
