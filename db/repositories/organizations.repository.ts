import { DataSource } from 'typeorm';
import { OrganizationAccessTokenEntity, OrganizationEntity } from '../entities';
import { hashToken, newToken, ORGANIZATION_TOKEN_PREFIX } from '../../lib/tokens';

export interface CreatedOrganization {
  organization: OrganizationEntity;
  accessToken: string;
}

function slugify(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'org';
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
      await em.save(
        em.create(OrganizationAccessTokenEntity, { organizationId: organization.id, comment: tokenComment, tokenHash: hash }),
      );
      return { organization, accessToken: token };
    });
  }

  /** The first organization named `name`, for the dev stack's reusable organization. */
  async findByName(name: string): Promise<OrganizationEntity | null> {
    return this.ds.getRepository(OrganizationEntity).findOne({ where: { name }, order: { createdAt: 'ASC' } });
  }

  /** Issues another token for an organization (shown once). */
  async issueToken(organizationId: string, comment: string): Promise<string> {
    const { token, hash } = newToken(ORGANIZATION_TOKEN_PREFIX);
    await this.ds.getRepository(OrganizationAccessTokenEntity).save({ organizationId, comment, tokenHash: hash });
    return token;
  }

  async findById(id: string): Promise<OrganizationEntity | null> {
    return this.ds.getRepository(OrganizationEntity).findOne({ where: { id } });
  }

  /** Resolves a bearer token to its organization id, or null when unknown, revoked or expired. */
  async organizationIdForToken(token: string): Promise<string | null> {
    const rows: { organization_id: string }[] = await this.ds.query(
      `SELECT organization_id FROM organization_access_tokens
        WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [hashToken(token)],
    );
    return rows[0]?.organization_id ?? null;
  }
}
