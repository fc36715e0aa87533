import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        name text NOT NULL,
        slug text NOT NULL UNIQUE,
        grace_period_days integer NOT NULL DEFAULT 0 CHECK (grace_period_days >= 0)
      )`);
    await q.query(`
      CREATE TABLE organization_access_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        comment text NOT NULL DEFAULT '',
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX organization_access_tokens_org_idx ON organization_access_tokens (organization_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE organization_access_tokens`);
    await q.query(`DROP TABLE organizations`);
  }
}
