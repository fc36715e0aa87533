import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GitHub App installations bound to organizations (one App serves every organization, so each may
 * use only the installations it connected), and the one-time states of the OAuth round trips
 * (installing the App, customers linking an account): only a hash of each state is stored, and a
 * state is consumed once.
 */
export class GitHubInstallations1764000010500 implements MigrationInterface {
  name = 'GitHubInstallations1764000010500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE github_installations (
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      installation_id bigint NOT NULL,
      account_login text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organization_id, installation_id)
    )`);
    await q.query(`CREATE TABLE oauth_states (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      created_at timestamptz NOT NULL DEFAULT now(),
      token_hash text NOT NULL UNIQUE,
      purpose text NOT NULL CHECK (purpose IN ('link_account', 'install_app')),
      platform text NOT NULL,
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      customer_id uuid REFERENCES customers(id) ON DELETE CASCADE,
      return_to text NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    )`);
    await q.query(`CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oauth_states`);
    await q.query(`DROP TABLE github_installations`);
  }
}
