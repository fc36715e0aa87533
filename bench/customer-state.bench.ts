// npm run bench:customer-state [-- --grants=100000 --connections=100 --duration=20 --fast-db --profile=DIR]
// Prints (asserts nothing): GET /v1/customers/{id}/state with `connections` concurrent readers,
// each request a random customer, over an organization holding `grants` grants (10 per customer,
// seeded with INSERT ... SELECT, not through the engine); /healthz alongside in 5 s slices.
// The API runs in a child process (bench/lib/api-child.ts); this process is the load. Each line
// carries the API's and PostgreSQL's CPU per request, and the state read is judged against /healthz
// measured in the same run (throughput and server CPU per request).
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { createDataSource, runMigrations } from '../db/data-source';
import { OrganizationsRepository } from '../db/repositories/organizations.repository';
import { runLoad, summary, type LoadSpec } from './load-generator';
import {
  benchArgs,
  cpuPerRequest,
  measuredInSlices,
  runApiBench,
  startApiChild,
  startBenchDatabase,
  stopApiChild,
  tableHeader,
  tableLine,
} from './lib/api-child';

const args = benchArgs(process.argv.slice(2));
const GRANTS = Number(args.grants ?? 100_000);
const CONNECTIONS = Number(args.connections ?? 100);
const DURATION = Number(args.duration ?? 20);
const PER_CUSTOMER = 10;
const SLICE = Math.min(5, DURATION);

async function seed(url: string): Promise<{ token: string; customers: string[] }> {
  const ds = createDataSource({ url });
  await ds.initialize();
  await runMigrations(ds);
  const { organization, accessToken } = await new OrganizationsRepository(ds).createWithToken('Bench org');
  const org = organization.id;
  const customers: string[] = (
    await ds.query(
      `INSERT INTO customers (organization_id, email, name) SELECT $1, 'c' || i || '@bench.example', 'Customer ' || i
         FROM generate_series(1, $2) i RETURNING id`,
      [org, Math.ceil(GRANTS / PER_CUSTOMER)],
    )
  ).map((r: { id: string }) => r.id);
  const benefits: string[] = (
    await ds.query(
      `INSERT INTO benefits (organization_id, type, description, properties)
       SELECT $1, 'custom', 'Bench benefit ' || k, '{"note": null}' FROM generate_series(1, $2) k RETURNING id`,
      [org, PER_CUSTOMER],
    )
  ).map((r: { id: string }) => r.id);
  await ds.query(
    `INSERT INTO benefit_grants (organization_id, customer_id, benefit_id, granted_at, properties)
     SELECT $1, c, b, now(), '{}' FROM unnest($2::uuid[]) c CROSS JOIN unnest($3::uuid[]) b`,
    [org, customers, benefits],
  );
  await ds.query('ANALYZE');
  await ds.destroy();
  return { token: accessToken, customers };
}

async function main(): Promise<void> {
  const pg = await startBenchDatabase('state', args['fast-db'] === 'true');
  let child: ChildProcess | undefined;
  try {
    process.stderr.write(`seeding ${GRANTS} grants...\n`);
    const { token, customers } = await seed(pg.url);
    const started = await startApiChild(__filename, pg.url, args.profile);
    child = started.child;
    const host = '127.0.0.1';
    const specs: Record<string, LoadSpec> = {
      'GET /v1/customers/{id}/state': {
        host,
        port: started.port,
        method: 'GET',
        path: '',
        pathFor: () => `/v1/customers/${customers[Math.floor(Math.random() * customers.length)]}/state`,
        headers: { authorization: `Bearer ${token}` },
      },
      'GET /healthz': { host, port: started.port, method: 'GET', path: '/healthz' },
    };
    process.stderr.write(`warming up, then ${DURATION}s per endpoint in ${SLICE}s slices, ${CONNECTIONS} connections...\n`);
    for (const spec of Object.values(specs)) await runLoad(spec, CONNECTIONS, 2);
    const results = await measuredInSlices(specs, CONNECTIONS, DURATION, SLICE, child.pid!, pg.dataDir);
    console.log(
      `\ncustomer state: ${GRANTS} grants (${customers.length} customers x ${PER_CUSTOMER}), ${CONNECTIONS} readers, ${os.cpus().length} CPUs`,
    );
    console.log(tableHeader());
    for (const [name, r] of Object.entries(results)) console.log(tableLine(name, r));
    const read = results['GET /v1/customers/{id}/state'];
    const health = results['GET /healthz'];
    const [rs, hs] = [summary(read), summary(health)];
    console.log(
      `state read p99 ${rs.p99.toFixed(1)} ms (target < 10 ms; /healthz's own p99 at ${CONNECTIONS} connections: ${hs.p99.toFixed(1)} ms)`,
    );
    // Little's law: a closed loop keeps CONNECTIONS requests in flight, so the mean latency of any
    // endpoint is CONNECTIONS / its throughput, and no p99 is below the mean. /healthz, which does
    // nothing, bounds the throughput of every endpoint on this machine in this run.
    const meanMs = (rps: number) => (CONNECTIONS / rps) * 1000;
    const [floorMs, readMs] = [meanMs(hs.rps), meanMs(rs.rps)];
    console.log(
      `  closed-loop floor: ${CONNECTIONS} requests in flight / /healthz's ${hs.rps.toFixed(0)}/s = ${floorMs.toFixed(1)} ms mean latency for any endpoint here ` +
        `(a p99 under 10 ms needs over ${(CONNECTIONS * 100).toFixed(0)}/s); the state read's mean ${readMs.toFixed(1)} ms = ${(readMs / floorMs).toFixed(2)}x the floor`,
    );
    console.log(
      `  ${rs.rps.toFixed(0)}/s = ${(rs.rps / hs.rps).toFixed(2)} of /healthz's ${hs.rps.toFixed(0)}/s; ` +
        `server CPU per request ${(cpuPerRequest(read) / cpuPerRequest(health)).toFixed(2)}x /healthz's`,
    );
  } finally {
    await stopApiChild(child);
    await pg.stop();
  }
}

runApiBench(args, main, args['log-level'] ?? 'warn');
