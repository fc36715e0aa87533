// Tells a path some route of a router answers from one it does not, so a guard in front of the
// router can answer an unknown path 404 before asking for credentials (a known one gets the 401).
import type { NextFunction, Request, Response, Router } from 'express';
import { NotFoundError } from './errors';

/** The parts of Express 5's router layers (router 2.x) this reads. */
interface RouterLayer {
  route?: { methods: Record<string, boolean | undefined> };
  handle?: { stack?: RouterLayer[] };
  match(path: string): { path: string } | false;
}

/** Whether a route of `router`, or of a router mounted in it, answers `method` on `path`. */
export function hasRoute(router: Router, method: string, path: string): boolean {
  return answers((router as unknown as { stack: RouterLayer[] }).stack, method.toLowerCase(), path);
}

function answers(stack: RouterLayer[], method: string, path: string): boolean {
  for (const layer of stack) {
    if (layer.route) {
      const m = layer.route.methods;
      if ((m[method] || m._all || (method === 'head' && m.get)) && layer.match(path)) return true;
      continue;
    }
    const nested = layer.handle?.stack;
    const matched = nested ? layer.match(path) : false;
    if (nested && matched && answers(nested, method, path.slice(matched.path.length) || '/')) return true;
  }
  return false;
}

/** 404 (ResourceNotFound) for a request no route of `router` answers; everything else passes. */
export function knownRoutesOnly(router: Router) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    next(
      hasRoute(router, req.method, req.path) ? undefined : new NotFoundError(`No route for ${req.method} ${req.originalUrl.split('?')[0]}`),
    );
  };
}
