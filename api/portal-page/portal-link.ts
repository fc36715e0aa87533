// The customer portal link (`customer_portal_url`): Polar's shape, on this API's public address.
// Minted by POST /v1/customer-sessions/, `admin portal-link` and `npm start`.
import type { DataSource } from 'typeorm';
import type { Env } from '../../config/config';
import { CustomerSessionsRepository, type CustomerSessionRow } from '../../db/repositories/customer-sessions.repository';

export function publicBaseUrl(config: Pick<Env, 'PUBLIC_BASE_URL' | 'HOST' | 'PORT'>): string {
  const base = config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`;
  return base.replace(/\/+$/, '');
}

/** The page's path, then the token in the query: how the portal page signs in. */
export function portalUrl(config: Pick<Env, 'PUBLIC_BASE_URL' | 'HOST' | 'PORT'>, slug: string, token: string): string {
  return `${publicBaseUrl(config)}/${encodeURIComponent(slug)}/portal?customer_session_token=${token}`;
}

/** A new customer session and its portal link. */
export async function mintPortalLink(
  ds: DataSource,
  config: Pick<Env, 'PUBLIC_BASE_URL' | 'HOST' | 'PORT'>,
  customer: { id: string; organization_id: string },
  returnUrl: string | null,
): Promise<{ session: CustomerSessionRow; token: string; url: string }> {
  const sessions = new CustomerSessionsRepository(ds);
  const { session, token } = await sessions.create(customer.organization_id, customer.id, returnUrl);
  const slug = (await sessions.organizationSlug(customer.organization_id)) ?? customer.organization_id;
  return { session, token, url: portalUrl(config, slug, token) };
}
