// Accounts customers linked on GitHub or Discord (table oauth_accounts). Tokens are sealed on the
// way in and opened on the way out; nothing but this repository sees their stored form, and the
// public form (`LinkedAccountPublic`) carries none.
import type { DataSource } from 'typeorm';
import { openWith, sealWith, type SecretBox } from '../../lib/secret-box';
import type { Queryable } from '../sql';
import { unwrapRows } from '../sql';

export const LINKED_PLATFORMS = ['github', 'discord'] as const;
export type LinkedPlatform = (typeof LINKED_PLATFORMS)[number];

export interface LinkedAccountPublic {
  platform: LinkedPlatform;
  accountId: string;
  accountUsername: string | null;
  linkedAt: Date;
}

export interface LinkedAccount extends LinkedAccountPublic {
  id: string;
  organizationId: string;
  customerId: string;
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  scope: string | null;
}

export interface LinkedAccountInput {
  organizationId: string;
  customerId: string;
  platform: LinkedPlatform;
  accountId: string;
  accountUsername: string | null;
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  scope: string | null;
}

interface Row {
  id: string;
  created_at: Date;
  organization_id: string;
  customer_id: string;
  platform: LinkedPlatform;
  account_id: string;
  account_username: string | null;
  access_token: string;
  refresh_token: string | null;
  expires_at: Date | null;
  scope: string | null;
}

export class LinkedAccountsRepository {
  constructor(
    private readonly ds: DataSource,
    private readonly box: SecretBox | null,
  ) {}

  /** Links an account, replacing the customer's account on that platform; answers both. */
  async link(q: Queryable, input: LinkedAccountInput): Promise<{ account: LinkedAccount; replaced: LinkedAccount | null }> {
    const replaced = await this.find(q, input.customerId, input.platform, true);
    const rows: Row[] = await q.query(
      `INSERT INTO oauth_accounts (organization_id, customer_id, platform, account_id, account_username, access_token, refresh_token, expires_at, scope)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (customer_id, platform) DO UPDATE SET
         account_id = EXCLUDED.account_id, account_username = EXCLUDED.account_username,
         access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,
         expires_at = EXCLUDED.expires_at, scope = EXCLUDED.scope, created_at = now(), modified_at = now()
       RETURNING *`,
      [
        input.organizationId,
        input.customerId,
        input.platform,
        input.accountId,
        input.accountUsername,
        sealWith(this.box, input.accessToken, 'oauth-access-token'),
        input.refreshToken === null ? null : sealWith(this.box, input.refreshToken, 'oauth-refresh-token'),
        input.expiresAt,
        input.scope,
      ],
    );
    return { account: this.opened(rows[0]), replaced };
  }

  /** The customer's account on a platform, tokens opened; `lock` holds it for the transaction. */
  async find(q: Queryable, customerId: string, platform: LinkedPlatform, lock = false): Promise<LinkedAccount | null> {
    const rows: Row[] = await q.query(`SELECT * FROM oauth_accounts WHERE customer_id = $1 AND platform = $2${lock ? ' FOR UPDATE' : ''}`, [
      customerId,
      platform,
    ]);
    return rows[0] ? this.opened(rows[0]) : null;
  }

  /** What the portal shows: no tokens. */
  async listPublic(customerId: string, q: Queryable = this.ds): Promise<LinkedAccountPublic[]> {
    const rows: Row[] = await q.query(
      `SELECT platform, account_id, account_username, created_at FROM oauth_accounts WHERE customer_id = $1 ORDER BY platform`,
      [customerId],
    );
    return rows.map((r) => ({
      platform: r.platform,
      accountId: r.account_id,
      accountUsername: r.account_username,
      linkedAt: r.created_at,
    }));
  }

  /** Stores refreshed tokens (the provider rotated them). */
  async updateTokens(
    q: Queryable,
    id: string,
    tokens: { accessToken: string; refreshToken: string | null; expiresAt: Date | null },
  ): Promise<void> {
    await q.query(`UPDATE oauth_accounts SET access_token = $2, refresh_token = $3, expires_at = $4, modified_at = now() WHERE id = $1`, [
      id,
      sealWith(this.box, tokens.accessToken, 'oauth-access-token'),
      tokens.refreshToken === null ? null : sealWith(this.box, tokens.refreshToken, 'oauth-refresh-token'),
      tokens.expiresAt,
    ]);
  }

  /** Unlinks; answers the account that was linked, if any. */
  async unlink(q: Queryable, customerId: string, platform: LinkedPlatform): Promise<LinkedAccount | null> {
    // UPDATE/DELETE ... RETURNING answers [rows, count] through TypeORM.
    const rows = unwrapRows<Row>(
      await q.query(`DELETE FROM oauth_accounts WHERE customer_id = $1 AND platform = $2 RETURNING *`, [customerId, platform]),
    );
    return rows[0] ? this.opened(rows[0]) : null;
  }

  private opened(r: Row): LinkedAccount {
    return {
      id: r.id,
      organizationId: r.organization_id,
      customerId: r.customer_id,
      platform: r.platform,
      accountId: r.account_id,
      accountUsername: r.account_username,
      linkedAt: r.created_at,
      accessToken: openWith(this.box, r.access_token, 'oauth-access-token'),
      refreshToken: r.refresh_token === null ? null : openWith(this.box, r.refresh_token, 'oauth-refresh-token'),
      expiresAt: r.expires_at,
      scope: r.scope,
    };
  }
}
