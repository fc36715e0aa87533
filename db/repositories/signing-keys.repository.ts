// Each organization's Ed25519 signing key for license certificates (private half stored encrypted).
import type { DataSource } from 'typeorm';

export interface SigningKeyRow {
  organization_id: string;
  created_at: Date;
  algorithm: string;
  key_id: string;
  public_key: string;
  private_key_encrypted: string;
}

export class SigningKeysRepository {
  constructor(private readonly ds: DataSource) {}

  async get(organizationId: string): Promise<SigningKeyRow | null> {
    const rows = await this.ds.query(`SELECT * FROM organization_signing_keys WHERE organization_id = $1`, [organizationId]);
    return rows[0] ?? null;
  }

  /** First writer wins: two requests creating an organization's key at once end up with the same one. */
  async insertOrGet(row: Omit<SigningKeyRow, 'created_at'>): Promise<SigningKeyRow> {
    await this.ds.query(
      `INSERT INTO organization_signing_keys (organization_id, algorithm, key_id, public_key, private_key_encrypted)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organization_id) DO NOTHING`,
      [row.organization_id, row.algorithm, row.key_id, row.public_key, row.private_key_encrypted],
    );
    return (await this.get(row.organization_id))!;
  }
}
