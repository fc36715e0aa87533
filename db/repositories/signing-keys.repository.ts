// Each organization's Ed25519 signing keys for license certificates (private half stored
// encrypted): one current key signs; retired keys stay published until the last certificate they
// signed has expired.
import type { DataSource } from 'typeorm';
import { unwrapRows } from '../sql';

export interface SigningKeyRow {
  organization_id: string;
  created_at: Date;
  algorithm: string;
  key_id: string;
  public_key: string;
  private_key_encrypted: string;
  /** When it stopped signing; null for the current key. */
  retired_at: Date | null;
  /** When a retired key stops being published (its certificates have all expired by then). */
  expires_at: Date | null;
  /** The latest `valid_until` of any certificate it signed (rounded up), so rotation knows how long to publish it. */
  certificates_valid_until: Date | null;
}

export type NewSigningKey = Pick<SigningKeyRow, 'organization_id' | 'algorithm' | 'key_id' | 'public_key' | 'private_key_encrypted'>;

export class SigningKeysRepository {
  constructor(private readonly ds: DataSource) {}

  /** The key that signs new certificates, or null before the organization's first certificate. */
  async current(organizationId: string): Promise<SigningKeyRow | null> {
    const rows = await this.ds.query(`SELECT * FROM organization_signing_keys WHERE organization_id = $1 AND retired_at IS NULL`, [
      organizationId,
    ]);
    return rows[0] ?? null;
  }

  /** First writer wins: two requests creating an organization's key at once end up with the same one. */
  async insertOrGet(row: NewSigningKey): Promise<SigningKeyRow> {
    await this.ds.query(
      `INSERT INTO organization_signing_keys (organization_id, algorithm, key_id, public_key, private_key_encrypted)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organization_id) WHERE retired_at IS NULL DO NOTHING`,
      [row.organization_id, row.algorithm, row.key_id, row.public_key, row.private_key_encrypted],
    );
    return (await this.current(row.organization_id))!;
  }

  /**
   * Records that a certificate valid until `until` is about to be signed with the key. False when
   * the key was retired meanwhile (the caller signs with the new current key instead).
   */
  async cover(organizationId: string, keyId: string, until: Date): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE organization_signing_keys SET certificates_valid_until = GREATEST(certificates_valid_until, $3)
        WHERE organization_id = $1 AND key_id = $2 AND retired_at IS NULL RETURNING key_id`,
      [organizationId, keyId, until],
    );
    return unwrapRows(result).length > 0;
  }

  /** Keys a verifier still needs: the current one and retired ones whose certificates may be valid. */
  async published(organizationId: string): Promise<SigningKeyRow[]> {
    return this.ds.query(
      `SELECT * FROM organization_signing_keys
        WHERE organization_id = $1 AND (expires_at IS NULL OR expires_at > now())
        ORDER BY retired_at DESC NULLS FIRST, created_at DESC`,
      [organizationId],
    );
  }

  /**
   * Retires the current key and makes `next` current, in one transaction. The retired key stays
   * published until its certificates have expired, or stops now with `retireNow` (a leaked key:
   * its certificates stop verifying once apps fetch the key list again).
   */
  async rotate(next: NewSigningKey, retireNow: boolean): Promise<{ current: SigningKeyRow; retired: SigningKeyRow[] }> {
    return this.ds.transaction(async (em) => {
      const result: unknown = await em.query(
        `UPDATE organization_signing_keys
            SET retired_at = now(),
                expires_at = CASE WHEN $2 THEN now() ELSE GREATEST(now(), certificates_valid_until) END
          WHERE organization_id = $1 AND retired_at IS NULL
          RETURNING *`,
        [next.organization_id, retireNow],
      );
      const retired = unwrapRows<SigningKeyRow>(result);
      const [current] = await em.query(
        `INSERT INTO organization_signing_keys (organization_id, algorithm, key_id, public_key, private_key_encrypted)
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [next.organization_id, next.algorithm, next.key_id, next.public_key, next.private_key_encrypted],
      );
      return { current, retired };
    });
  }
}
