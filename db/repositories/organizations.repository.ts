import { DataSource } from 'typeorm';
import { OrganizationAccessTokenEntity, OrganizationEntity } from '../entities';
import { unwrapRows } from '../sql';
import type { Queryable } from '../sql';
import { hashToken, newToken, ORGANIZATION_TOKEN_PREFIX } from '../../lib/tokens';

/** An organization row as stored (snake_case); the columns the API's views read. */
export interface OrganizationRow {
  id: string;
  name: string;
  slug: string;
  created_at: Date;
  modified_at: Date | null;
  [column: string]: unknown;
}

export interface CreatedOrganization {
  organization: OrganizationEntity;
  accessToken: string;
}

/** What an operator may see of a token: everything but the secret (only its hash is stored anyway). */
export interface AccessTokenListing {
  id: string;
  organization_id: string;
  comment: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/**
 * `last_used_at` is written at most once per this interval per token, so a busy token does not turn
 * every authenticated request into a row update.
 */
export const LAST_USED_WRITE_INTERVAL_SECONDS = 60;

function slugify(name: string): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'org';
  return base.slice(0, 40);
}

export class OrganizationsRepository {
  constructor(private readonly ds: DataSource) {}

  /** Creates an organization and its first access token; the plain token is returned only here. */
  async createWithToken(name: string, tokenComment = 'default', gracePeriodDays = 0): Promise<CreatedOrganization> {
    return this.ds.transaction(async (em) => {
      const taken = await em.count(OrganizationEntity, { where: { slug: slugify(name) } });
      const slug = taken ? `${slugify(name)}-${newToken('').token.slice(0, 6).toLowerCase()}` : slugify(name);
      const organization = await em.save(em.create(OrganizationEntity, { name, slug, gracePeriodDays }));
      const { token, hash } = newToken(ORGANIZATION_TOKEN_PREFIX);
      await em.save(em.create(OrganizationAccessTokenEntity, { organizationId: organization.id, comment: tokenComment, tokenHash: hash }));
      return { organization, accessToken: token };
    });
  }

  /** The first organization named `name`, for the dev stack's reusable organization. */
  async findByName(name: string): Promise<OrganizationEntity | null> {
    return this.ds.getRepository(OrganizationEntity).findOne({ where: { name }, order: { createdAt: 'ASC' } });
  }

  /** Issues another token for an organization (shown once). */
  async issueToken(organizationId: string, comment: string): Promise<string> {
    return (await this.createToken(organizationId, comment)).token;
  }

  /** Issues another token; the plain token is returned only here, the row keeps its hash. */
  async createToken(organizationId: string, comment: string, expiresAt: Date | null = null): Promise<{ id: string; token: string }> {
    const { token, hash } = newToken(ORGANIZATION_TOKEN_PREFIX);
    const saved = await this.ds.getRepository(OrganizationAccessTokenEntity).save({ organizationId, comment, tokenHash: hash, expiresAt });
    return { id: saved.id, token };
  }

  /** Tokens of one organization (or all), oldest first; never the secret. */
  async listTokens(organizationId?: string): Promise<AccessTokenListing[]> {
    return this.ds.query(
      `SELECT id, organization_id, comment, created_at, expires_at, last_used_at, revoked_at
         FROM organization_access_tokens
        WHERE $1::uuid IS NULL OR organization_id = $1::uuid
        ORDER BY created_at, id`,
      [organizationId ?? null],
    );
  }

  /** Revokes a token (idempotent: an already revoked token keeps its first revocation time). */
  async revokeToken(id: string): Promise<AccessTokenListing | null> {
    const result: unknown = await this.ds.query(
      `UPDATE organization_access_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1
       RETURNING id, organization_id, comment, created_at, expires_at, last_used_at, revoked_at`,
      [id],
    );
    return unwrapRows<AccessTokenListing>(result)[0] ?? null;
  }

  /** The longest an offline license certificate of the organization may stay valid, in days. */
  async certificateMaxDays(organizationId: string): Promise<number | null> {
    const rows: { days: number }[] = await this.ds.query(`SELECT license_certificate_max_days AS days FROM organizations WHERE id = $1`, [
      organizationId,
    ]);
    return rows[0]?.days ?? null;
  }

  /** False when there is no such organization. */
  async setCertificateMaxDays(organizationId: string, days: number): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE organizations SET license_certificate_max_days = $2, modified_at = now() WHERE id = $1 RETURNING id`,
      [organizationId, days],
    );
    return unwrapRows(result).length > 0;
  }

  /** Sets (or, with null, removes) the organization's avatar; false when there is no such organization. */
  async setAvatarUrl(organizationId: string, url: string | null): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE organizations SET avatar_url = $2, modified_at = now() WHERE id = $1 RETURNING id`,
      [organizationId, url],
    );
    return unwrapRows(result).length > 0;
  }

  /** Every column of the organization with this slug (the portal page's branding), or null. */
  async findRowBySlug(slug: string): Promise<OrganizationRow | null> {
    const rows: OrganizationRow[] = await this.ds.query(`SELECT * FROM organizations WHERE slug = $1`, [slug]);
    return rows[0] ?? null;
  }

  /** Every column of these organizations, as stored (snake_case), in no order. */
  async findRows(ids: string[], q: Queryable = this.ds): Promise<OrganizationRow[]> {
    return q.query(`SELECT * FROM organizations WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async findById(id: string): Promise<OrganizationEntity | null> {
    return this.ds.getRepository(OrganizationEntity).findOne({ where: { id } });
  }

  /**
   * Resolves a bearer token to its organization id, or null when unknown, revoked or expired. The
   * same round trip records the use, unless it was already recorded within the write interval.
   */
  async organizationIdForToken(token: string): Promise<string | null> {
    const rows: { organization_id: string }[] = await this.ds.query(
      `WITH live AS (
         SELECT id, organization_id, last_used_at FROM organization_access_tokens
          WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
       ), used AS (
         UPDATE organization_access_tokens t SET last_used_at = now() FROM live
          WHERE t.id = live.id
            AND (live.last_used_at IS NULL OR live.last_used_at < now() - make_interval(secs => $2))
       )
       SELECT organization_id FROM live`,
      [hashToken(token), LAST_USED_WRITE_INTERVAL_SECONDS],
    );
    return rows[0]?.organization_id ?? null;
  }
}
