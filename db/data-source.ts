import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  ssl?: boolean;
  applicationName?: string;
  /** Waiting for a connection, new or from a busy pool (0: forever). */
  connectTimeoutMs?: number;
  /** Server-side cap per statement, lock waits included (0: none). */
  statementTimeoutMs?: number;
  /** Client-side cap per query: a server that stops answering still fails the query (0: none). */
  queryTimeoutMs?: number;
}

/** Schema changes only go through committed migrations: synchronize stays off. */
export function createDataSource(opts: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    ssl: opts.ssl ? { rejectUnauthorized: false } : undefined,
    extra: {
      max: opts.poolSize ?? 10,
      application_name: opts.applicationName ?? 'benefits',
      // With the database down or silent, a request fails within these bounds instead of hanging.
      ...(opts.connectTimeoutMs ? { connectionTimeoutMillis: opts.connectTimeoutMs } : {}),
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
      ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}),
    },
  });
}

/**
 * Connects and applies pending migrations, serialised across processes by an advisory lock.
 * Migrations run on their own connection without statement or query timeouts: an index build
 * may take longer than any request should.
 */
export async function openDatabase(opts: DataSourceOptions): Promise<DataSource> {
  // Two connections: one holds the advisory lock while the other runs the migrations.
  const migrator = createDataSource({ ...opts, poolSize: 2, statementTimeoutMs: 0, queryTimeoutMs: 0 });
  await migrator.initialize();
  try {
    await runMigrations(migrator);
  } finally {
    await migrator.destroy();
  }
  const ds = createDataSource(opts);
  await ds.initialize();
  return ds;
}

const MIGRATION_LOCK_KEY = 7_264_001;

export async function runMigrations(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    // The API and every worker run this at start; the lock makes concurrent starts take turns.
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
