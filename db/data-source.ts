import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  ssl?: boolean;
  applicationName?: string;
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
    },
  });
}

/** Connects and applies pending migrations, serialised across processes by an advisory lock. */
export async function openDatabase(opts: DataSourceOptions): Promise<DataSource> {
  const ds = createDataSource(opts);
  await ds.initialize();
  await runMigrations(ds);
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
