// What our grants hold on GitHub repositories, across benefits: one account may reach one
// repository through several grants (two benefits, two orders), so access is changed only with
// all of them in view, one change at a time per account and repository.
import type { Queryable } from './grants.repository';

export interface RepositoryHolder {
  grantId: string;
  permission: string;
  accountId: string;
  accountUsername: string | null;
}

export interface GrantedRepositoryAccess extends RepositoryHolder {
  owner: string;
  name: string;
  organizationId: string;
  invitationPending: boolean;
}

const SAME_REPO = `lower(g.properties->>'repository_owner') = lower($1) AND lower(g.properties->>'repository_name') = lower($2)`;

/** Holds changes to one account's access to one repository until the transaction ends. */
export async function lockRepositoryAccess(q: Queryable, owner: string, name: string, accountId: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`github:${owner}/${name}:${accountId}`.toLowerCase()]);
}

/** Other granted grants giving this account access to this repository (their permissions). */
export async function otherHolders(
  q: Queryable,
  owner: string,
  name: string,
  accountId: string,
  exceptGrantId: string,
): Promise<RepositoryHolder[]> {
  const rows: { id: string; permission: string; account_id: string; account_username: string | null }[] = await q.query(
    `SELECT g.id, g.properties->>'permission' AS permission, g.properties->>'granted_account_id' AS account_id,
            g.properties->>'account_username' AS account_username
       FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
      WHERE b.type = 'github_repository' AND g.granted_at IS NOT NULL AND g.id <> $4
        AND ${SAME_REPO} AND g.properties->>'granted_account_id' = $3`,
    [owner, name, accountId, exceptGrantId],
  );
  return rows.map((r) => ({ grantId: r.id, permission: r.permission, accountId: r.account_id, accountUsername: r.account_username }));
}

/** Every granted grant's repository access (drift repair compares these with GitHub). */
export async function grantedRepositoryAccess(q: Queryable): Promise<GrantedRepositoryAccess[]> {
  const rows: any[] = await q.query(
    `SELECT g.id, g.organization_id, g.properties->>'permission' AS permission, g.properties->>'granted_account_id' AS account_id,
            g.properties->>'account_username' AS account_username, g.properties->>'repository_owner' AS owner,
            g.properties->>'repository_name' AS name, (g.properties ? 'invitation_url') AS invitation_pending
       FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
      WHERE b.type = 'github_repository' AND g.granted_at IS NOT NULL AND g.properties ? 'granted_account_id'
      ORDER BY g.properties->>'repository_owner', g.properties->>'repository_name', g.id`,
  );
  return rows.map((r) => ({
    grantId: r.id,
    organizationId: r.organization_id,
    permission: r.permission,
    accountId: r.account_id,
    accountUsername: r.account_username,
    owner: r.owner,
    name: r.name,
    invitationPending: r.invitation_pending,
  }));
}

/** Logins we ever gave access to a repository (revoked grants keep what they granted). */
export async function everInvited(q: Queryable, owner: string, name: string): Promise<string[]> {
  const rows: { login: string }[] = await q.query(
    `SELECT DISTINCT lower(g.properties->>'account_username') AS login
       FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
      WHERE b.type = 'github_repository' AND ${SAME_REPO} AND g.properties ? 'account_username'`,
    [owner, name],
  );
  return rows.map((r) => r.login);
}
