// One-time states for OAuth round trips (a customer linking an account, an organization installing
// the GitHub App). The state handed to the browser is 32 random bytes; only its hash is stored, it
// names who started the trip and where to return, expires, and is consumed once.
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { unwrapRows } from '../sql';

export type OAuthStatePurpose = 'link_account' | 'install_app';

export interface OAuthState {
  purpose: OAuthStatePurpose;
  platform: string;
  organizationId: string;
  customerId: string | null;
  returnTo: string;
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export class OAuthStatesRepository {
  constructor(private readonly ds: DataSource) {}

  /** Answers the state to hand to the provider. */
  async create(state: OAuthState, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.ds.query(
      `INSERT INTO oauth_states (token_hash, purpose, platform, organization_id, customer_id, return_to, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7::double precision / 1000))`,
      [hash(token), state.purpose, state.platform, state.organizationId, state.customerId, state.returnTo, ttlMs],
    );
    return token;
  }

  /** The state, once: null when unknown, of another purpose or platform, expired or already used. */
  async consume(token: string, purpose: OAuthStatePurpose, platform: string): Promise<OAuthState | null> {
    if (!token || token.length > 200) return null;
    const rows = unwrapRows<{
      purpose: OAuthStatePurpose;
      platform: string;
      organization_id: string;
      customer_id: string | null;
      return_to: string;
    }>(
      await this.ds.query(
        `UPDATE oauth_states SET used_at = now()
          WHERE token_hash = $1 AND purpose = $2 AND platform = $3 AND used_at IS NULL AND expires_at > now()
          RETURNING purpose, platform, organization_id, customer_id, return_to`,
        [hash(token), purpose, platform],
      ),
    );
    const r = rows[0];
    if (!r) return null;
    // Spent states have done their job; old ones are cleared as new ones are used.
    await this.ds.query(`DELETE FROM oauth_states WHERE expires_at < now() - interval '1 day'`);
    return {
      purpose: r.purpose,
      platform: r.platform,
      organizationId: r.organization_id,
      customerId: r.customer_id,
      returnTo: r.return_to,
    };
  }
}
