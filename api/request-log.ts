import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../lib/logger';

/** One JSON line per request. Only the path is logged: headers and query strings can carry secrets. */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      if (req.path === '/healthz') return;
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info({ method: req.method, path: req.path, status: res.statusCode, duration_ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}
