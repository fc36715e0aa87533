import { MigrationInterface, QueryRunner } from 'typeorm';

/** License keys (one per grant), their activations, and each organization's certificate signing key. */
export class LicenseKeys1764000002000 implements MigrationInterface {
  name = 'LicenseKeys1764000002000';

  async up(q: QueryRunner): Promise<void> {
    const statements = [
      `CREATE TABLE license_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id),
        benefit_id uuid NOT NULL REFERENCES benefits(id),
        grant_id uuid UNIQUE REFERENCES benefit_grants(id) ON DELETE SET NULL,
        key text NOT NULL,
        status text NOT NULL DEFAULT 'granted' CHECK (status IN ('granted', 'revoked', 'disabled')),
        limit_activations integer CHECK (limit_activations > 0),
        -- Live (not deactivated) activations, kept by the same statements that add and remove them,
        -- so the limit check is one conditional UPDATE that concurrent activations cannot overrun.
        activations_count integer NOT NULL DEFAULT 0 CHECK (activations_count >= 0),
        usage integer NOT NULL DEFAULT 0,
        limit_usage integer CHECK (limit_usage > 0),
        validations integer NOT NULL DEFAULT 0,
        last_validated_at timestamptz,
        expires_at timestamptz,
        CONSTRAINT license_keys_org_key_uq UNIQUE (organization_id, key)
      )`,
      `CREATE INDEX license_keys_org_idx ON license_keys (organization_id, created_at)`,
      `CREATE INDEX license_keys_benefit_idx ON license_keys (benefit_id)`,
      `CREATE INDEX license_keys_customer_idx ON license_keys (customer_id, created_at)`,
      `CREATE TABLE license_key_activations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        deleted_at timestamptz,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        license_key_id uuid NOT NULL REFERENCES license_keys(id) ON DELETE CASCADE,
        label text NOT NULL,
        conditions jsonb NOT NULL DEFAULT '{}',
        meta jsonb NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX license_key_activations_key_idx ON license_key_activations (license_key_id, created_at) WHERE deleted_at IS NULL`,
      // Ed25519 keypair per organization; the private half only ever stored encrypted (AES-256-GCM).
      `CREATE TABLE organization_signing_keys (
        organization_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        algorithm text NOT NULL DEFAULT 'Ed25519',
        key_id text NOT NULL,
        public_key text NOT NULL,
        private_key_encrypted text NOT NULL
      )`,
    ];
    for (const sql of statements) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['organization_signing_keys', 'license_key_activations', 'license_keys']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
