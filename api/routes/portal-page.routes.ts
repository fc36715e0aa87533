// The customer portal page at the path of `customer_portal_url` (/{slug}/portal) and its static
// modules under /portal-assets/. No build step: the assets are plain ES modules and CSS served
// as they are in the repository.
import express, { Router, type Response } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CustomerSessionsRepository } from '../../db/repositories/customer-sessions.repository';
import { operations } from '../openapi/operations';
import { renderPortalPage, safeHttpUrl, type PortalPageModel, type PortalSessionState } from '../portal-page/portal-page.template';
import type { ApiServices } from '../composition';

// From source (api/routes) and from the build (dist/api/routes, assets copied beside dist) alike.
const ASSETS =
  [path.resolve(__dirname, '../portal-page/assets'), path.resolve(__dirname, '../../../api/portal-page/assets')].find((p) =>
    existsSync(p),
  ) ?? path.resolve(__dirname, '../portal-page/assets');

/**
 * Sections the page shows when this API serves what they read (our own contract says so): a
 * section whose endpoint is not there is hidden without the browser ever asking for it.
 */
const FEATURE_PATHS: Record<string, string> = {
  downloadables: '/v1/customer-portal/downloadables/',
  meters: '/v1/customer-portal/meters/',
  'meter-quantities': '/v1/customer-portal/meters/{id}/quantities',
  'oauth-accounts': '/v1/customer-portal/oauth-accounts/authorize',
};

export function portalFeatures(paths = operations.map((o) => o.path)): string[] {
  const served = new Set(paths);
  return Object.entries(FEATURE_PATHS)
    .filter(([, p]) => served.has(p))
    .map(([feature]) => feature);
}

// The page runs only its own modules and talks only to this API.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function sendPage(res: Response, status: number, model: PortalPageModel): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
    })
    .send(renderPortalPage(model));
}

export function portalPageRoutes(services: ApiServices): Router {
  const sessions = new CustomerSessionsRepository(services.dataSource);
  const features = portalFeatures();
  const trimmed = (url: string) => (safeHttpUrl(url) ?? '').replace(/\/+$/, '');
  const providerWebUrls = { github: trimmed(services.config.GITHUB_WEB_URL), discord: trimmed(services.config.DISCORD_WEB_URL) };
  const router = Router();

  router.use('/portal-assets', express.static(ASSETS, { index: false, maxAge: '5m' }));

  router.get('/:slug/portal', async (req, res) => {
    const org = await services.organizations.findRowBySlug(req.params.slug);
    if (!org) {
      res.status(404).type('text/plain').send('No customer portal here.');
      return;
    }
    // The first request carries the token; the page moves it into sessionStorage at once, and
    // the request log records paths only.
    const token = typeof req.query.customer_session_token === 'string' ? req.query.customer_session_token : null;
    let session: PortalSessionState = 'none';
    let returnUrl: string | null = null;
    if (token) {
      const found = await sessions.describe(token);
      if (found && found.organization_id === org.id) {
        session = found.live ? 'live' : 'expired';
        returnUrl = safeHttpUrl(found.return_url);
      } else {
        session = 'unknown';
      }
    }
    sendPage(res, 200, {
      organization: { id: org.id, name: org.name, slug: org.slug, avatarUrl: safeHttpUrl(org.avatar_url) },
      session,
      returnUrl,
      features,
      providerWebUrls,
    });
  });
  return router;
}
