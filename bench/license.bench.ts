// npm run bench:license [-- --duration=30 --connections=16 --keys=10000 --fast-db --log-level=info]
// Prints (asserts nothing): validations/s with p50/p99/max latency and errors for
// POST /v1/license-keys/validate over 10,000 keys, the same for GET /healthz in the same run
// (alternating slices, so noise hits both), and p99 of activate under contention on one key.
// The API runs in a child process (like production); this process is the load generator.
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { createDataSource, runMigrations } from '../db/data-source';
import { OrganizationsRepository } from '../db/repositories/organizations.repository';
import { runLoad, summary, type LoadSpec } from './load-generator';
import {
  benchArgs,
  cpuPerRequest,
  measured,
  measuredInSlices,
  runApiBench,
  startBenchDatabase,
  startApiChild,
  stopApiChild,
  tableHeader,
  tableLine,
  type Measured,
} from './lib/api-child';

const args = benchArgs(process.argv.slice(2));
const DURATION = Number(args.duration ?? process.env.BENCH_DURATION ?? 30);
const CONNECTIONS = Number(args.connections ?? 16);
const KEYS = Number(args.keys ?? 10_000);
const SLICE_SECONDS = Math.min(5, DURATION);

async function seed(url: string): Promise<{ token: string; organizationId: string; keys: string[]; contended: string }> {
  const ds = createDataSource({ url });
  await ds.initialize();
  await runMigrations(ds);
  const { organization, accessToken } = await new OrganizationsRepository(ds).createWithToken('Bench org');
  const org = organization.id;
  await ds.query(
    `INSERT INTO customers (organization_id, email, name) SELECT $1, 'c' || i || '@bench.example', 'Customer ' || i FROM generate_series(1, $2) i`,
    [org, Math.ceil(KEYS / 10)],
  );
  const [benefit] = await ds.query(
    `INSERT INTO benefits (organization_id, type, description, properties) VALUES ($1, 'license_keys', 'Bench license', $2) RETURNING id`,
    [org, JSON.stringify({ prefix: 'BENCH', expires: null, activations: { limit: 5, enable_customer_admin: false }, limit_usage: null })],
  );
  await ds.query(
    `INSERT INTO license_keys (organization_id, customer_id, benefit_id, key, limit_activations)
     SELECT $1, c.id, $2, 'BENCH-' || upper(gen_random_uuid()::text), CASE WHEN k = 0 THEN 1000000000 ELSE 5 END
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM customers WHERE organization_id = $1) c
       CROSS JOIN generate_series(0, 9) k
      WHERE (c.n - 1) * 10 + k < $3`,
    [org, benefit.id, KEYS],
  );
  await ds.query('ANALYZE');
  const keys: string[] = (await ds.query(`SELECT key FROM license_keys WHERE organization_id = $1`, [org])).map(
    (r: { key: string }) => r.key,
  );
  const [contended] = await ds.query(`SELECT key FROM license_keys WHERE organization_id = $1 AND limit_activations = 1000000000 LIMIT 1`, [
    org,
  ]);
  await ds.destroy();
  return { token: accessToken, organizationId: org, keys, contended: contended.key };
}

function loadSpecs(port: number, token: string, organizationId: string, keys: string[], contended: string) {
  const host = '127.0.0.1';
  const auth = { authorization: `Bearer ${token}` };
  const bodies = keys.map((key) => JSON.stringify({ key, organization_id: organizationId }));
  // Requests walk the keys in a scattered order; each key is called from its own client address.
  const keyIndex = (i: number) => (i * 7919) % bodies.length;
  const pick = (i: number) => bodies[keyIndex(i)];
  const specs: Record<string, LoadSpec> = {
    'GET /healthz': { host, port, method: 'GET', path: '/healthz' },
    'POST /v1/license-keys/validate': { host, port, method: 'POST', path: '/v1/license-keys/validate', headers: auth, body: pick },
    // The public variant, as apps on many machines call it: one client address per key.
    'POST /v1/customer-portal/.../validate': {
      host,
      port,
      method: 'POST',
      path: '/v1/customer-portal/license-keys/validate',
      body: pick,
      perRequestHeaders: (i) => ({ 'x-forwarded-for': `10.${keyIndex(i) >> 8}.${keyIndex(i) & 255}.1` }),
    },
  };
  const activate: LoadSpec = {
    host,
    port,
    method: 'POST',
    path: '/v1/license-keys/activate',
    headers: auth,
    body: (i) => JSON.stringify({ key: contended, organization_id: organizationId, label: `device ${i}` }),
  };
  return { specs, activate };
}

function report(results: Record<string, Measured>, contention: Measured, keyCount: number): void {
  const [health, org, pub] = Object.values(results);
  console.log(
    `\nlicense key validation: ${keyCount} keys, ${CONNECTIONS} connections, ${DURATION}s per endpoint, ${os.cpus().length} CPUs, durable db: ${args['fast-db'] !== 'true'}`,
  );
  console.log(tableHeader());
  for (const [name, r] of Object.entries(results)) console.log(tableLine(name, r));
  console.log(tableLine('POST .../activate (one key)', contention));
  const hs = summary(health);
  for (const [label, r] of [
    ['organization API', org],
    ['public (no token)', pub],
  ] as const) {
    const s = summary(r);
    console.log(
      `\nvalidate, ${label}: ${s.rps.toFixed(0)}/s = ${(s.rps / hs.rps).toFixed(2)} of /healthz's ${hs.rps.toFixed(0)}/s in the same run (target >= 0.5), ` +
        `p99 ${s.p99.toFixed(2)} ms (target < 20 ms)`,
    );
    console.log(
      `  cost vs /healthz: ${(hs.rps / s.rps).toFixed(2)}x by throughput, ${(cpuPerRequest(r) / cpuPerRequest(health)).toFixed(2)}x by server CPU per request (target <= 3x)`,
    );
  }
  console.log(`\nactivate under contention on one key: p99 ${summary(contention).p99.toFixed(2)} ms, errors ${contention.errors}`);
}

async function main(): Promise<void> {
  const pg = await startBenchDatabase('license', args['fast-db'] === 'true');
  let child: ChildProcess | undefined;
  try {
    process.stderr.write(`seeding ${KEYS} keys...\n`);
    const { token, organizationId, keys, contended } = await seed(pg.url);
    const started = await startApiChild(__filename, pg.url, args.profile);
    child = started.child;
    const apiPid = child.pid!;
    const dataDir = pg.dataDir;
    const { specs, activate } = loadSpecs(started.port, token, organizationId, keys, contended);

    process.stderr.write(`warming up, then ${DURATION}s per endpoint in ${SLICE_SECONDS}s slices, ${CONNECTIONS} connections...\n`);
    for (const spec of Object.values(specs)) await runLoad(spec, CONNECTIONS, Math.min(2, DURATION));
    const results = await measuredInSlices(specs, CONNECTIONS, DURATION, SLICE_SECONDS, apiPid, dataDir);
    const contention = await measured(activate, CONNECTIONS, Math.min(10, DURATION), apiPid, dataDir);
    report(results, contention, keys.length);
  } finally {
    await stopApiChild(child);
    await pg.stop();
  }
}

runApiBench(args, main, args['log-level'] ?? 'info');
