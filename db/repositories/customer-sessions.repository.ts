// Customer sessions: short-lived bearer tokens for the customer portal, stored only as hashes.
import type { DataSource } from 'typeorm';
import { CUSTOMER_SESSION_TOKEN_PREFIX, hashToken, newToken } from '../../lib/tokens';

export interface CustomerSessionRow {
  id: string;
  created_at: Date;
  organization_id: string;
  customer_id: string;
  return_url: string | null;
  expires_at: Date;
}

export interface ResolvedCustomerSession {
  customerId: string;
  organizationId: string;
}

/** Polar's customer sessions last one hour. */
export const CUSTOMER_SESSION_TTL_SECONDS = 3600;

export class CustomerSessionsRepository {
  constructor(private readonly ds: DataSource) {}

  /** The plain token is returned only here; the table keeps its SHA-256. */
  async create(orgId: string, customerId: string, returnUrl: string | null): Promise<{ session: CustomerSessionRow; token: string }> {
    const { token, hash } = newToken(CUSTOMER_SESSION_TOKEN_PREFIX);
    const rows: CustomerSessionRow[] = await this.ds.query(
      `INSERT INTO customer_sessions (organization_id, customer_id, token_hash, return_url, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
       RETURNING id, created_at, organization_id, customer_id, return_url, expires_at`,
      [orgId, customerId, hash, returnUrl, CUSTOMER_SESSION_TTL_SECONDS],
    );
    return { session: rows[0], token };
  }

  /** A live session of a customer that still exists; null for unknown, expired or deleted. */
  async resolve(token: string): Promise<ResolvedCustomerSession | null> {
    if (!token.startsWith(CUSTOMER_SESSION_TOKEN_PREFIX)) return null;
    const rows: { customer_id: string; organization_id: string }[] = await this.ds.query(
      `SELECT s.customer_id, s.organization_id
         FROM customer_sessions s
         JOIN customers c ON c.id = s.customer_id AND c.organization_id = s.organization_id AND c.deleted_at IS NULL
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [hashToken(token)],
    );
    return rows[0] ? { customerId: rows[0].customer_id, organizationId: rows[0].organization_id } : null;
  }

  /**
   * The session a portal link names, live or not, for the portal page: an expired link still says
   * where to go back to (its return_url). Null for a token no session was minted with.
   */
  async describe(token: string): Promise<{ organization_id: string; return_url: string | null; live: boolean } | null> {
    if (!token.startsWith(CUSTOMER_SESSION_TOKEN_PREFIX)) return null;
    const rows: { organization_id: string; return_url: string | null; live: boolean }[] = await this.ds.query(
      `SELECT s.organization_id, s.return_url,
              (s.expires_at > now() AND c.deleted_at IS NULL) AS live
         FROM customer_sessions s
         JOIN customers c ON c.id = s.customer_id
        WHERE s.token_hash = $1`,
      [hashToken(token)],
    );
    return rows[0] ?? null;
  }

  async organizationSlug(orgId: string): Promise<string | null> {
    const rows: { slug: string }[] = await this.ds.query('SELECT slug FROM organizations WHERE id = $1', [orgId]);
    return rows[0]?.slug ?? null;
  }
}
