// The stack `npm run fuzz` runs against: embedded PostgreSQL and the Temporal dev server in a temp
// dir, the API as a child process (as `npm run api` runs it). No worker: what the fuzzer buys is
// recorded and its workflows wait, so no delivery reaches the random URLs it registers as webhooks.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../db/data-source';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { freePort } from '../../lib/free-port';
import { startDevServer } from '../tools/dev-server';
import { ensureTemporalCli } from '../tools/tools';

export interface FuzzStack {
  baseUrl: string;
  orgToken: string;
  customerToken: string;
  close(): Promise<void>;
}

const root = path.resolve(__dirname, '..', '..');

export async function startFuzzStack(dir: string, log: (msg: string) => void, verbose: boolean): Promise<FuzzStack> {
  const stops: (() => Promise<unknown>)[] = [];
  const close = async () => {
    while (stops.length > 0) await stops.pop()!().catch(() => undefined);
  };
  try {
    const cli = await ensureTemporalCli(log);
    const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    log('starting PostgreSQL, the Temporal dev server and the API');
    const [pg, temporal] = await Promise.all([
      startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, fast: true }),
      startDevServer({ source: cli, port: temporalPort }),
    ]);
    stops.push(
      () => pg.stop(),
      () => temporal.stop(),
    );
    const apiLog = createWriteStream(path.join(dir, 'api.log'));
    const api = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: pg.url,
        TEMPORAL_ADDRESS: temporal.address,
        PORT: String(apiPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: verbose ? 'info' : 'error',
        NODE_ENV: 'production',
        // A configured stack: license certificates answer 503 without a key.
        SECRET_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api.stdout!.pipe(apiLog);
    api.stderr!.pipe(apiLog);
    stops.push(() => stopChild(api));
    const baseUrl = `http://127.0.0.1:${apiPort}`;
    await waitUntil(
      'the API',
      async () => (await fetch(`${baseUrl}/readyz`).catch(() => null))?.ok === true,
      () => {
        if (api.exitCode !== null) throw new Error(`the API exited (${api.exitCode}); see ${path.join(dir, 'api.log')}`);
      },
    );
    // The API migrated the database at start; the token is made the way `npm run admin` makes it.
    const db = await openDatabase({ url: pg.url, poolSize: 2, applicationName: 'benefits-fuzz' });
    const { accessToken } = await new OrganizationsRepository(db).createWithToken('Fuzz');
    await db.destroy();
    const post = async (p: string, body: unknown, token: string) => {
      const res = await fetch(`${baseUrl}${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 201) throw new Error(`POST ${p} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as Record<string, any>;
    };
    const customer = await post('/v1/customers/', { email: 'fuzz@example.com', name: 'Fuzz' }, accessToken);
    const session = await post('/v1/customer-sessions/', { customer_id: customer.id }, accessToken);
    return { baseUrl, orgToken: accessToken, customerToken: String(session.token), close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, alive: () => void, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    alive();
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
  await exited;
  clearTimeout(timer);
}
