// `bench:grants --pg-stats`: which statements PostgreSQL's CPU per grant goes to, from
// pg_stat_statements (preloaded in the bench's own embedded PostgreSQL only), for the limit and
// the engine alike, as they share the database.
import type { DataSource } from 'typeorm';
import type { Row } from './stats';

export const PG_STATS_SETTINGS: Record<string, string> = {
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'all',
  'pg_stat_statements.track_planning': 'on',
};

/** Starts counting from zero (after the warm-up). */
export async function resetPgStats(db: DataSource): Promise<void> {
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await db.query('SELECT pg_stat_statements_reset()');
  await db.query('SELECT pg_stat_reset()');
}

interface StatementFigure {
  query: string;
  calls: string;
  exec_ms: number;
  plan_ms: number;
}

/**
 * The `top` statements by time (planning + execution), per grant of each side (`grantsPerSide`;
 * the revokes of the same reps fall in the window too). A statement on the limit's table is the
 * limit's; every other one is the engine's, or the bench's own polling.
 */
export async function pgStatsRows(db: DataSource, grantsPerSide: number, top: number): Promise<Row[]> {
  const rows: StatementFigure[] = await db.query(
    `SELECT query, calls::text, total_exec_time AS exec_ms, total_plan_time AS plan_ms
       FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT $1`,
    [top],
  );
  const totals: { side: string; calls: string; ms: number }[] = await db.query(
    `SELECT CASE WHEN query ~ 'bench_limit' THEN 'limit' ELSE 'engine' END AS side, sum(calls)::text AS calls,
            sum(total_exec_time + total_plan_time) AS ms
       FROM pg_stat_statements GROUP BY 1 ORDER BY 1 DESC`,
  );
  const per = (ms: number) => `${((ms * 1000) / grantsPerSide).toFixed(0)} µs`;
  const summary = totals.map((t): Row => [
    `${t.side}: all statements`,
    `${(Number(t.calls) / grantsPerSide).toFixed(2)} calls, ${per(t.ms)} (exec + plan) per grant`,
  ]);
  // Rows written per table (pg_stat_user_tables: backends report them about once a second).
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // HOT: updates that wrote no index entry (the new row version fitted on its page and no indexed
  // column changed); every other update also writes one entry in each of the table's indexes.
  const tables: { relname: string; ins: string; upd: string; hot: string; del: string }[] = await db.query(
    `SELECT relname, n_tup_ins::text AS ins, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot, n_tup_del::text AS del
       FROM pg_stat_user_tables
      WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC`,
  );
  const perGrant = (n: string) => (Number(n) / grantsPerSide).toFixed(2);
  const written = tables.map((t): Row => [
    `rows written to ${t.relname}`,
    `${perGrant(t.ins)} inserted, ${perGrant(t.upd)} updated (${perGrant(t.hot)} HOT), ${perGrant(t.del)} deleted per grant`,
  ]);
  return [
    ...summary,
    ...written,
    ...rows.map((r): Row => {
      const side = /bench_limit/.test(r.query) ? 'limit' : 'engine';
      const text = r.query.replace(/\s+/g, ' ').trim();
      return [
        `${side}: ${text.length > 90 ? `${text.slice(0, 87)}...` : text}`,
        `${(Number(r.calls) / grantsPerSide).toFixed(2)} calls, exec ${per(r.exec_ms)} + plan ${per(r.plan_ms)} per grant`,
      ];
    }),
  ];
}
