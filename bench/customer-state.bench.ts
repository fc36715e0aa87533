// npm run bench:customer-state [-- --grants=100000 --connections=100 --duration=20 --fast-db --profile=DIR]
// Prints (asserts nothing): GET /v1/customers/{id}/state with `connections` concurrent readers,
// each request a random customer, over an organization holding `grants` grants (10 per customer,
// seeded with INSERT ... SELECT, not through the engine); /healthz alongside in 5 s slices.
// The API runs in a child process (bench/lib/api-child.ts); this process is the load.
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { createDataSource, runMigrations } from '../db/data-source';
import { OrganizationsRepository } from '../db/repositories/organizations.repository';
import { merge, runLoad, summary, type LoadResult, type LoadSpec } from './load-generator';
import { benchArgs, runApiBench, startApiChild, startBenchDatabase, stopApiChild } from './lib/api-child';

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

const fmt = (name: string, r: LoadResult) => {
  const s = summary(r);
  return `${name.padEnd(30)} ${String(r.requests).padStart(8)} ${s.rps.toFixed(0).padStart(7)}/s  p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  max ${s.max.toFixed(0)} ms  errors ${r.errors}`;
};

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
    const runs: Record<string, LoadResult[]> = Object.fromEntries(Object.keys(specs).map((k) => [k, []]));
    for (let done = 0; done < DURATION; done += SLICE) {
      for (const [name, spec] of Object.entries(specs)) runs[name].push(await runLoad(spec, CONNECTIONS, SLICE));
    }
    console.log(
      `\ncustomer state: ${GRANTS} grants (${customers.length} customers x ${PER_CUSTOMER}), ${CONNECTIONS} readers, ${os.cpus().length} CPUs`,
    );
    for (const [name, r] of Object.entries(runs)) console.log(fmt(name, merge(r)));
    const state = summary(merge(runs['GET /v1/customers/{id}/state']));
    console.log(`state read p99 ${state.p99.toFixed(1)} ms (target < 10 ms)`);
  } finally {
    await stopApiChild(child);
    await pg.stop();
  }
}

runApiBench(args, main, args['log-level'] ?? 'warn');
