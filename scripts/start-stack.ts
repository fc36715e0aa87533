// `npm start`: the whole stack on one machine with embedded defaults. PostgreSQL (data in
// DATA_DIR), migrations, the Temporal dev server with its Web UI (SQLite file in DATA_DIR), the
// worker and the API as child processes. Ctrl-C stops everything; the next start finds the same
// data and the same workflows.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isSetInEnvironment, loadConfig } from '../config/config';
import { workerNodeArgs } from '../config/worker-memory';
import { openDatabase } from '../db/data-source';
import { ensureStackEncryptionKey, writeStackSettings } from '../config/stack-settings';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { OrganizationsRepository } from '../db/repositories/organizations.repository';
import { isListening } from '../lib/free-port';
import { writeWorkflowBundle } from './bundle-workflows';
import { startDevServer } from './tools/dev-server';
import { ensureTemporalCli } from './tools/tools';

const log = (msg: string) => process.stdout.write(`[stack] ${msg}\n`);
const root = path.resolve(__dirname, '..');
const DEV_ORG = 'Development organization';

async function ensurePortFree(port: number, what: string, variable: string): Promise<void> {
  if (await isListening(port)) {
    throw new Error(`${what} port ${port} is already in use (another \`npm start\`?). Stop it or set ${variable}.`);
  }
}

/** The dev organization's token is written to DATA_DIR on first start and reused after. */
async function devToken(dataDir: string, url: string): Promise<{ organizationId: string; token: string }> {
  const file = path.join(dataDir, 'dev-organization.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8'));
  const ds = await openDatabase({ url, poolSize: 2, applicationName: 'benefits-start' });
  try {
    const repo = new OrganizationsRepository(ds);
    const existing = await repo.findByName(DEV_ORG);
    const result = existing
      ? { organizationId: existing.id, token: await repo.issueToken(existing.id, 'npm start') }
      : await repo.createWithToken(DEV_ORG, 'npm start').then((r) => ({ organizationId: r.organization.id, token: r.accessToken }));
    await writeFile(file, JSON.stringify(result, null, 2), { mode: 0o600 });
    return result;
  } finally {
    await ds.destroy();
  }
}

/** The key that encrypts secrets at rest: generated into DATA_DIR on first start, kept after. */
function startChild(name: string, script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping the stack`);
      void stop(1);
    }
  });
  return child;
}

let stopping = false;
let stop: (code: number) => Promise<void> = async (code) => process.exit(code);

async function main(): Promise<void> {
  const config = loadConfig();
  const dataDir = path.resolve(root, config.DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  await ensurePortFree(config.PORT, 'API', 'PORT');
  await ensurePortFree(config.TEMPORAL_PORT, 'Temporal', 'TEMPORAL_PORT');
  await ensurePortFree(config.TEMPORAL_UI_PORT, 'Temporal Web UI', 'TEMPORAL_UI_PORT');

  const cli = await ensureTemporalCli(log, { cliPath: config.TEMPORAL_CLI_PATH });
  let databaseUrl = config.DATABASE_URL;
  let pg: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  if (!databaseUrl) {
    await ensurePortFree(config.EMBEDDED_POSTGRES_PORT, 'PostgreSQL', 'EMBEDDED_POSTGRES_PORT');
    log(`starting embedded PostgreSQL (data in ${path.relative(root, dataDir)}/postgres)`);
    pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: config.EMBEDDED_POSTGRES_PORT });
    databaseUrl = pg.url;
  }
  // `npm run admin` beside this stack finds the database here when DATABASE_URL is not set.
  await writeStackSettings(dataDir, { database_url: databaseUrl });
  log('running migrations');
  const { organizationId, token } = await devToken(dataDir, databaseUrl);

  log('starting the Temporal dev server');
  const temporal = await startDevServer({
    source: cli,
    port: config.TEMPORAL_PORT,
    uiPort: config.TEMPORAL_UI_PORT,
    dbFilename: path.join(dataDir, 'temporal.sqlite'),
    namespace: config.TEMPORAL_NAMESPACE,
    // The engine's own server: it steps back from the API as the worker does.
    niceness: config.WORKER_NICENESS,
  });
  log('bundling workflows');
  const bundle = await writeWorkflowBundle();

  // One machine: webhook receivers usually run on it too, so private networks are allowed
  // unless the operator decided otherwise.
  const allowPrivate = isSetInEnvironment('WEBHOOK_ALLOW_PRIVATE_NETWORKS') ? config.WEBHOOK_ALLOW_PRIVATE_NETWORKS : true;
  const keyGenerated = !isSetInEnvironment('SECRET_ENCRYPTION_KEY');
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    WORKFLOW_BUNDLE_PATH: bundle,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: String(allowPrivate),
    SECRET_ENCRYPTION_KEY: keyGenerated ? await ensureStackEncryptionKey(dataDir) : config.SECRET_ENCRYPTION_KEY,
  };
  const worker = startChild('worker', 'workers/main.ts', env, workerNodeArgs(config.WORKER_HEAP_MB));
  const api = startChild('api', 'api/main.ts', env);

  stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping: API, worker, Temporal, PostgreSQL');
    // API and worker drain first (the worker lets running activities finish), then the servers.
    await Promise.all(
      [api, worker].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    await temporal.stop().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    log('stopped');
    process.exit(code);
  };
  // embedded-postgres installs an exit hook that stops PostgreSQL and exits on the first signal;
  // ours replaces it so the children stop in order.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(0));
  }

  await waitForApi(`http://${config.HOST}:${config.PORT}/readyz`);
  const portal = await firstCustomerPortalLink(`http://${config.HOST}:${config.PORT}`, token).catch(() => null);
  const lines = [
    '',
    'Benefits fulfilment stack is up.',
    `  API:              http://${config.HOST}:${config.PORT}   (OpenAPI: /openapi.json, readiness: /readyz)`,
    `  Temporal Web UI:  ${temporal.uiUrl}   (gRPC ${temporal.address}, namespace ${config.TEMPORAL_NAMESPACE})`,
    // The embedded server's TCP address (our processes use its Unix socket; tools want this one).
    `  PostgreSQL:       ${(pg?.tcpUrl ?? databaseUrl).replace(/\/\/([^:]+):[^@]+@/, '//$1:***@')}`,
    `  Organization:     ${organizationId}`,
    `  Access token:     ${token}`,
    portal
      ? `  Customer portal:  ${portal.url}\n                    (${portal.email}, valid one hour; another: npm run -s admin -- portal-link --customer <id>)`
      : '  Customer portal:  no customer yet; once there is one: npm run -s admin -- portal-link --customer <id or external id>',
    allowPrivate
      ? '  Webhooks:         may reach loopback and private networks (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true; set it to false to refuse them)'
      : '  Webhooks:         loopback and private networks refused (WEBHOOK_ALLOW_PRIVATE_NETWORKS=false)',
    keyGenerated
      ? `  Secrets at rest:  encrypted with the key in ${path.relative(root, dataDir)}/secret-encryption-key (set SECRET_ENCRYPTION_KEY to use your own)`
      : '  Secrets at rest:  encrypted with SECRET_ENCRYPTION_KEY',
    '',
    `Try: curl -H "Authorization: Bearer ${token}" http://${config.HOST}:${config.PORT}/v1/benefits/`,
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/** A portal link for the development organization's first customer, through the API; null without customers. */
async function firstCustomerPortalLink(api: string, token: string): Promise<{ url: string; email: string } | null> {
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const page = (await (await fetch(`${api}/v1/customers/?limit=1&sorting=created_at`, { headers })).json()) as {
    items?: { id: string; email: string }[];
  };
  const customer = page.items?.[0];
  if (!customer) return null;
  const res = await fetch(`${api}/v1/customer-sessions/`, { method: 'POST', headers, body: JSON.stringify({ customer_id: customer.id }) });
  const session = (await res.json()) as { customer_portal_url?: string };
  return session.customer_portal_url ? { url: session.customer_portal_url, email: customer.email } : null;
}

async function waitForApi(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the API did not become ready at ${url}`);
}

main().catch(async (err) => {
  process.stderr.write(`[stack] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stop(1);
});
