// GitHub App installations an organization connected (bound after GitHub showed that the user who
// installed it administers it). Repository listing, benefit validation and grants use only these.
import type { DataSource } from 'typeorm';
import type { Queryable } from '../sql';

export class GitHubInstallationsRepository {
  constructor(private readonly ds: DataSource) {}

  async bind(organizationId: string, installationId: number, accountLogin: string): Promise<void> {
    await this.ds.query(
      `INSERT INTO github_installations (organization_id, installation_id, account_login) VALUES ($1, $2, $3)
       ON CONFLICT (organization_id, installation_id) DO UPDATE SET account_login = EXCLUDED.account_login`,
      [organizationId, installationId, accountLogin],
    );
  }

  async listForOrganization(organizationId: string, q: Queryable = this.ds): Promise<{ installationId: number; accountLogin: string }[]> {
    const rows: { installation_id: string; account_login: string }[] = await q.query(
      `SELECT installation_id, account_login FROM github_installations WHERE organization_id = $1 ORDER BY created_at`,
      [organizationId],
    );
    return rows.map((r) => ({ installationId: Number(r.installation_id), accountLogin: r.account_login }));
  }

  isBound(organizationId: string, installationId: number, q: Queryable = this.ds): Promise<boolean> {
    return isInstallationBound(q, organizationId, installationId);
  }
}

/** Whether the organization connected this installation (benefit validation, in a strategy). */
export async function isInstallationBound(q: Queryable, organizationId: string, installationId: number): Promise<boolean> {
  const rows = await q.query(`SELECT 1 FROM github_installations WHERE organization_id = $1 AND installation_id = $2`, [
    organizationId,
    installationId,
  ]);
  return rows.length > 0;
}
