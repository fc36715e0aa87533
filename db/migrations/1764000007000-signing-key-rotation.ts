import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing-key rotation: an organization keeps its retired keys (listed until the last certificate
 * signed with them has expired) beside one current key; and a merchant-set bound on how long an
 * offline certificate stays valid.
 */
export class SigningKeyRotation1764000007000 implements MigrationInterface {
  name = 'SigningKeyRotation1764000007000';

  async up(q: QueryRunner): Promise<void> {
    const statements = [
      `ALTER TABLE organization_signing_keys DROP CONSTRAINT organization_signing_keys_pkey`,
      `ALTER TABLE organization_signing_keys
         ADD COLUMN retired_at timestamptz,
         ADD COLUMN expires_at timestamptz,
         ADD COLUMN certificates_valid_until timestamptz`,
      // Certificates signed before this migration were not tracked: assume the longest validity.
      `UPDATE organization_signing_keys SET certificates_valid_until = now() + interval '365 days'`,
      `ALTER TABLE organization_signing_keys ADD PRIMARY KEY (organization_id, key_id)`,
      `CREATE UNIQUE INDEX organization_signing_keys_current_uq ON organization_signing_keys (organization_id) WHERE retired_at IS NULL`,
      `ALTER TABLE organizations ADD COLUMN license_certificate_max_days integer NOT NULL DEFAULT 7
         CHECK (license_certificate_max_days BETWEEN 1 AND 365)`,
    ];
    for (const sql of statements) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations DROP COLUMN license_certificate_max_days`);
    await q.query(`DELETE FROM organization_signing_keys WHERE retired_at IS NOT NULL`);
    await q.query(`DROP INDEX organization_signing_keys_current_uq`);
    await q.query(`ALTER TABLE organization_signing_keys DROP CONSTRAINT organization_signing_keys_pkey`);
    await q.query(
      `ALTER TABLE organization_signing_keys DROP COLUMN retired_at, DROP COLUMN expires_at, DROP COLUMN certificates_valid_until`,
    );
    await q.query(`ALTER TABLE organization_signing_keys ADD PRIMARY KEY (organization_id)`);
  }
}
