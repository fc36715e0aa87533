// Discord grants across benefits: the grant properties record what was done (guild_id, role_id,
// granted_account_id), so "does anyone else still give this account this server, or this role?"
// and "whom did we give this role?" are read from them, whatever benefit the grant belongs to.
/** A data source or the grant's transaction. */
type Queryable = { query(sql: string, params?: unknown[]): Promise<any> };

const GRANTED_DISCORD = `g.granted_at IS NOT NULL AND g.revoked_at IS NULL AND b.type = 'discord'`;

export interface DiscordRoleBinding {
  guildId: string;
  roleId: string;
}

export class DiscordGrantsRepository {
  /**
   * Serializes, until the transaction ends, the commands that give or take one account's access to
   * one server: grants of different benefits (or customers) check each other, so two revokes run
   * together would each see the other still granted, and a grant racing a revoke could lose its role.
   */
  async lockAccountInServer(q: Queryable, guildId: string, accountId: string): Promise<void> {
    await q.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`discord:${guildId}:${accountId}`]);
  }

  /** Another granted grant still gives this Discord account a role in this server. */
  async serverHeldElsewhere(q: Queryable, exceptGrantId: string, guildId: string, accountId: string): Promise<boolean> {
    const rows = await q.query(
      `SELECT 1 FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
        WHERE ${GRANTED_DISCORD} AND g.id <> $1
          AND g.properties->>'guild_id' = $2 AND g.properties->>'granted_account_id' = $3 LIMIT 1`,
      [exceptGrantId, guildId, accountId],
    );
    return rows.length > 0;
  }

  /** Another granted grant still gives this Discord account this role. */
  async roleHeldElsewhere(q: Queryable, exceptGrantId: string, binding: DiscordRoleBinding, accountId: string): Promise<boolean> {
    const rows = await q.query(
      `SELECT 1 FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
        WHERE ${GRANTED_DISCORD} AND g.id <> $1
          AND g.properties->>'guild_id' = $2 AND g.properties->>'role_id' = $3 AND g.properties->>'granted_account_id' = $4 LIMIT 1`,
      [exceptGrantId, binding.guildId, binding.roleId, accountId],
    );
    return rows.length > 0;
  }

  /** Every (server, role) some discord benefit or grant names: what drift repair walks. */
  async roleBindings(q: Queryable): Promise<DiscordRoleBinding[]> {
    const rows: { guild_id: string; role_id: string }[] = await q.query(
      `SELECT DISTINCT g.properties->>'guild_id' AS guild_id, g.properties->>'role_id' AS role_id
         FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
        WHERE b.type = 'discord' AND g.properties ? 'granted_account_id' AND g.properties->>'guild_id' IS NOT NULL
        ORDER BY 1, 2`,
    );
    return rows.map((r) => ({ guildId: r.guild_id, roleId: r.role_id }));
  }

  /**
   * For one role: the accounts a granted grant gives it, and the accounts we gave it whose grants
   * of it are all revoked (ours to take back). Accounts we never granted appear in neither.
   */
  async roleHolders(q: Queryable, binding: DiscordRoleBinding): Promise<{ granted: string[]; revoked: string[] }> {
    const rows: { account_id: string; granted: boolean }[] = await q.query(
      `SELECT g.properties->>'granted_account_id' AS account_id,
              bool_or(g.granted_at IS NOT NULL AND g.revoked_at IS NULL) AS granted
         FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
        WHERE b.type = 'discord' AND g.properties->>'guild_id' = $1 AND g.properties->>'role_id' = $2
          AND g.properties->>'granted_account_id' IS NOT NULL
          AND (g.granted_at IS NOT NULL OR g.revoked_at IS NOT NULL)
        GROUP BY 1 ORDER BY 1`,
      [binding.guildId, binding.roleId],
    );
    return {
      granted: rows.filter((r) => r.granted).map((r) => r.account_id),
      revoked: rows.filter((r) => !r.granted).map((r) => r.account_id),
    };
  }
}
