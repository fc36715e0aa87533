import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../lib/logger';

/** Signed download and upload links carry their credential in the path: logged without it. */
const SIGNED_PATHS = /^(\/v1\/files\/storage\/(?:parts|objects)\/|\/v1\/customer-portal\/downloadables\/)[^/]+\.[^/]+$/;

export function loggablePath(path: string): string {
  return path.replace(SIGNED_PATHS, '$1[redacted]');
}

/** One JSON line per request. Only the path is logged: headers and query strings can carry secrets. */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      if (req.path === '/healthz') return;
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info(
        { method: req.method, path: loggablePath(req.path), status: res.statusCode, duration_ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  };
}
