import type { NextFunction, Request, Response } from 'express';
import { UnauthorizedError } from './errors';

export interface TokenResolver {
  organizationIdForToken(token: string): Promise<string | null>;
}

export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/**
 * How long an API process may keep serving a token after it was revoked (or expired): every
 * process looks a token up again once its cached answer is this old. The cached answer is timed
 * from before its lookup started, so the bound holds however slow the lookup was.
 */
export const TOKEN_REVOCATION_BOUND_MS = 5_000;

/**
 * Remembers resolved tokens for a few seconds so hot routes (license validation) skip a database
 * round trip per request. A revoked token keeps working for at most `ttlMs`; unknown tokens are
 * never cached.
 */
export function cachedTokenResolver(
  inner: TokenResolver,
  ttlMs = TOKEN_REVOCATION_BOUND_MS,
  maxEntries = 10_000,
  clock: () => number = Date.now,
): TokenResolver {
  const cache = new Map<string, { organizationId: string; until: number }>();
  return {
    async organizationIdForToken(token: string): Promise<string | null> {
      const now = clock();
      const hit = cache.get(token);
      if (hit && hit.until > now) return hit.organizationId;
      const organizationId = await inner.organizationIdForToken(token);
      if (organizationId) {
        if (cache.size >= maxEntries) cache.clear();
        cache.set(token, { organizationId, until: now + ttlMs });
      } else {
        cache.delete(token);
      }
      return organizationId;
    },
  };
}

/** Every /v1 organization route runs behind this: the token decides the organization. */
export function requireOrganizationToken(tokens: TokenResolver) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = bearerToken(req);
    if (!token) throw new UnauthorizedError('Authorization header with a Bearer token is required');
    const organizationId = await tokens.organizationIdForToken(token);
    if (!organizationId) throw new UnauthorizedError('Invalid or expired access token');
    res.locals.organizationId = organizationId;
    next();
  };
}

export function organizationIdOf(res: Response): string {
  const id = res.locals.organizationId as string | undefined;
  if (!id) throw new UnauthorizedError();
  return id;
}
