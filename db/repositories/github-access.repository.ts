// What our grants hold on GitHub repositories, across benefits: one account may reach one
// repository through several grants (two benefits, two orders), so access is changed only with
// all of them in view, one change at a time per account and repository.
//
// Scope: the repository and the GitHub account, across organizations, on purpose. GitHub keeps one
// collaborator per repository and account, and the App has one installation per GitHub account
// (the repository owner), so every grant naming owner/name acts on that same collaborator through
// that same installation, whichever organization holds it. Several organizations get there only by
// each connecting that installation, which needs a GitHub user who administers it
// (github_installations allows one installation for several organizations). Counting only this
// organization's grants would let one shop's grant lower the permission another shop gave the same
// account, and its revoke remove access the other shop's customer still pays for (drift repair,
// which reads every organization's grants, would then invite them again).
// Grants do not store their installation, and need not: on one GitHub a repository is reached
// through one installation. Test files share one database but each has its own GitHub stand-in,
// whose user ids differ per instance for that reason (test/fakes/github-state.ts).
import type { Queryable } from '../sql';

export interface RepositoryHolder {
  grantId: string;
  permission: string;
  accountId: string;
  accountUsername: string | null;
}

const SAME_REPO = `lower(g.properties->>'repository_owner') = lower($1) AND lower(g.properties->>'repository_name') = lower($2)`;

/** Holds changes to one account's access to one repository until the transaction ends. */
export async function lockRepositoryAccess(q: Queryable, owner: string, name: string, accountId: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`github:${owner}/${name}:${accountId}`.toLowerCase()]);
}

/** Other granted grants, of any organization, giving this account access to this repository (see Scope above). */
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

/** Repositories any of our grants ever gave access to (drift repair looks at these). */
export async function repositoriesWeGranted(q: Queryable): Promise<{ owner: string; name: string }[]> {
  return q.query(
    `SELECT DISTINCT ON (lower(g.properties->>'repository_owner'), lower(g.properties->>'repository_name'))
            g.properties->>'repository_owner' AS owner, g.properties->>'repository_name' AS name
       FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
      WHERE b.type = 'github_repository' AND g.properties ? 'account_username'
      ORDER BY lower(g.properties->>'repository_owner'), lower(g.properties->>'repository_name')`,
  );
}

/**
 * Every account our grants gave access to a repository, with the highest permission its granted
 * grants give now (null: none granted any more, all revoked or moved).
 */
export async function accountsOnRepository(
  q: Queryable,
  owner: string,
  name: string,
): Promise<{ accountId: string; login: string; permissions: string[]; invitationGivenUp: boolean }[]> {
  const rows: { account_id: string; login: string; permission: string; granted: boolean; given_up: boolean }[] = await q.query(
    `SELECT g.properties->>'granted_account_id' AS account_id, g.properties->>'account_username' AS login,
            g.properties->>'permission' AS permission, g.granted_at IS NOT NULL AS granted,
            coalesce((g.properties->>'invitation_expired')::boolean, false) AS given_up
       FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
      WHERE b.type = 'github_repository' AND ${SAME_REPO} AND g.properties ? 'account_username'
        AND g.properties ? 'granted_account_id'`,
    [owner, name],
  );
  const byAccount = new Map<string, { accountId: string; login: string; permissions: string[]; invitationGivenUp: boolean }>();
  for (const r of rows) {
    const entry = byAccount.get(r.account_id) ?? { accountId: r.account_id, login: r.login, permissions: [], invitationGivenUp: false };
    if (r.granted) entry.permissions.push(r.permission);
    if (r.granted && r.given_up) entry.invitationGivenUp = true;
    byAccount.set(r.account_id, entry);
  }
  return [...byAccount.values()];
}
