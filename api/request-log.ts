import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../lib/logger';

/**
 * Query parameters whose values are credentials: the customer portal link carries its session
 * token in the query (`customer_session_token`), so the line keeps the parameter's name only.
 */
const SECRET_QUERY_PARAMETERS = new Set(['customer_session_token', 'token', 'access_token', 'key', 'code', 'state']);
const CENSOR = '[redacted]';

/** Signed download and upload links carry their credential in the path: logged without it. */
const SIGNED_PATHS = /^(\/v1\/files\/storage\/(?:parts|objects)\/|\/v1\/customer-portal\/downloadables\/)[^/]+\.[^/]+$/;

export function loggablePath(path: string): string {
  return path.replace(SIGNED_PATHS, `$1${CENSOR}`);
}

/** The request's query string with every secret parameter's value replaced; '' without a query. */
export function redactedQuery(originalUrl: string): string {
  const at = originalUrl.indexOf('?');
  if (at < 0) return '';
  const params = new URLSearchParams(originalUrl.slice(at + 1));
  for (const name of new Set(params.keys())) {
    if (SECRET_QUERY_PARAMETERS.has(name.toLowerCase())) params.set(name, CENSOR);
  }
  return `?${params.toString().replace(/%5Bredacted%5D/g, CENSOR)}`;
}

/** One JSON line per request: method, path, the query with secrets redacted, status, duration. Never headers. */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      if (req.originalUrl === '/healthz') return;
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const query = redactedQuery(req.originalUrl);
      // originalUrl: req.path is relative to the router that answered (/customers/ for /v1/customers/).
      const path = loggablePath(req.originalUrl.split('?')[0]);
      logger.info(
        { method: req.method, path, ...(query ? { query } : {}), status: res.statusCode, duration_ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  };
}
