// Once per jest run: embedded PostgreSQL (migrated), one Temporal dev server, one workflow bundle.
// Test files find them through TEST_* environment variables and build their own app and worker.
import { chmod, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDataSource, runMigrations } from '../../db/data-source';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { freePort } from '../../lib/free-port';
import { writeWorkflowBundle } from '../../scripts/bundle-workflows';
import { startDevServer } from '../../scripts/tools/dev-server';
import { ensureTemporalCli, ensureTestServer } from '../../scripts/tools/tools';

const log = (msg: string) => process.stderr.write(`[test-setup] ${msg}\n`);

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const work = await mkdtemp(path.join(os.tmpdir(), 'benefits-test-'));
  await chmod(work, 0o755); // PostgreSQL runs as `postgres` when we are root
  const [cli, testServer, pgPort, temporalPort] = await Promise.all([
    ensureTemporalCli(log, { cliPath: process.env.TEMPORAL_CLI_PATH }),
    ensureTestServer(log),
    freePort(),
    freePort(),
  ]);
  const [pg, temporal, bundle] = await Promise.all([
    startEmbeddedPostgres({ dataDir: path.join(work, 'pg', 'data'), port: pgPort, fast: true }),
    startDevServer({ source: cli, port: temporalPort }),
    writeWorkflowBundle(path.join(work, 'workflow-bundle.js')),
  ]);
  const ds = createDataSource({ url: pg.url });
  await ds.initialize();
  await runMigrations(ds);
  await ds.destroy();

  process.env.TEST_DATABASE_URL = pg.url;
  process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.TEST_WORKFLOW_BUNDLE = bundle;
  process.env.TEST_TIME_SKIPPING_SERVER = testServer;
  (globalThis as any).__benefitsTestStack = { pg, temporal };
  log(`PostgreSQL ${pg.url.replace(/:[^:@/]+@/, ':***@')}, Temporal ${temporal.address}, ready in ${Date.now() - started} ms`);
}
