import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts customers link on a provider (GitHub, Discord) so grants that need one (repository
 * access, a server role) can be carried out. One per customer and platform: the portal's
 * `oauth_accounts` is keyed by platform, and linking another account replaces it. Tokens are stored
 * sealed (lib/secret-box.ts) when the service has an encryption key.
 */
export class LinkedAccounts1764000010000 implements MigrationInterface {
  name = 'LinkedAccounts1764000010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE oauth_accounts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      created_at timestamptz NOT NULL DEFAULT now(),
      modified_at timestamptz,
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
      platform text NOT NULL CHECK (platform IN ('github', 'discord')),
      account_id text NOT NULL,
      account_username text,
      access_token text NOT NULL,
      refresh_token text,
      expires_at timestamptz,
      scope text
    )`);
    await q.query(`CREATE UNIQUE INDEX oauth_accounts_customer_platform_uq ON oauth_accounts (customer_id, platform)`);
    await q.query(`CREATE INDEX oauth_accounts_account_idx ON oauth_accounts (platform, account_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oauth_accounts`);
  }
}
