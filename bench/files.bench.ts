// npm run bench:files [-- --size-mib=1024 --parts=8 --concurrency=100]
// Prints (asserts nothing), with the local storage driver: upload of a 1 GiB file in 8 parts PUT in
// parallel (then the completion, which assembles and hashes it), and its download through a portal
// link, in MB/s beside a plain `cp` of the same file in the same run; the API's RSS growth while it
// streams; p50/p99 of 100 concurrent portal requests (list with signed links, and link redemptions).
// The API runs in a child process (like production); this process is the client.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createDataSource, runMigrations } from '../db/data-source';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { OrganizationsRepository } from '../db/repositories/organizations.repository';
import { freePort } from '../lib/free-port';
import { benchArgs, serveApi } from './lib/api-child';

const args = benchArgs(process.argv.slice(2));
const SIZE = Number(args['size-mib'] ?? 1024) * 1024 * 1024;
const PARTS = Number(args.parts ?? 8);
const CONCURRENCY = Number(args.concurrency ?? 100);
const MB = 1e6;

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Samples a process's RSS every 20 ms; `peak()` is the highest seen. */
function rssSampler(pid: number) {
  let peak = rssKiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssKiB(pid))), 20);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

async function json(base: string, method: string, p: string, token: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** PUTs bytes [start, end] of `file` to `url`, streamed from disk; resolves with the ETag. */
function putRange(url: string, headers: Record<string, string>, file: string, start: number, end: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(end - start + 1) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(String(res.headers.etag)) : reject(new Error(`PUT ${res.statusCode}`))));
    });
    req.on('error', reject);
    pipeline(fs.createReadStream(file, { start, end, highWaterMark: 1 << 20 }), req).catch(reject);
  });
}

/** GETs `url` into `file`, streamed (node:http: no web-stream layer in the measurement). */
function getToFile(url: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${res.statusCode}`));
        pipeline(res, fs.createWriteStream(file, { highWaterMark: 1 << 20 })).then(resolve, reject);
      })
      .on('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function concurrent(n: number, call: () => Promise<unknown>): Promise<string> {
  const times = await Promise.all(
    Array.from({ length: n }, async () => {
      const t = performance.now();
      await call();
      return performance.now() - t;
    }),
  );
  times.sort((a, b) => a - b);
  return `p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms`;
}

function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  return fn().then((value) => ({ ms: performance.now() - t, value }));
}

const rate = (bytes: number, ms: number) => `${(bytes / MB / (ms / 1000)).toFixed(0)} MB/s (${(ms / 1000).toFixed(2)} s)`;

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-files-'));
  fs.chmodSync(work, 0o755);
  let child: ChildProcess | undefined;
  let pg: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  try {
    console.log(
      `load before: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (1/5/15 min), ${os.cpus().length} cores`,
    );
    pg = await startEmbeddedPostgres({ dataDir: path.join(work, 'pg'), port: await freePort(), fast: true });
    const ds = createDataSource({ url: pg.url });
    await ds.initialize();
    await runMigrations(ds);
    const { organization, accessToken } = await new OrganizationsRepository(ds).createWithToken('Bench files');

    child = fork(__filename, ['--server'], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DATABASE_URL: pg.url, STORAGE: 'local', STORAGE_LOCAL_DIR: path.join(work, 'storage') },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child!.once('message', (m: { port: number }) => resolve(m.port));
      child!.once('exit', (code) => reject(new Error(`API exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;

    const source = path.join(work, 'source.bin');
    const fd = fs.openSync(source, 'w');
    const block = Buffer.alloc(16 << 20);
    const hash = createHash('sha256');
    for (let written = 0; written < SIZE; written += block.length) {
      const chunk = block.subarray(0, Math.min(block.length, SIZE - written));
      randomFillSync(chunk);
      hash.update(chunk);
      fs.writeSync(fd, chunk);
    }
    fs.closeSync(fd);
    const sha = hash.digest();

    const cpStart = performance.now();
    execFileSync('cp', [source, path.join(work, 'copy.bin')]);
    const cpMs = performance.now() - cpStart;
    fs.rmSync(path.join(work, 'copy.bin'));

    const rss0 = rssKiB(child.pid!);
    const sampler = rssSampler(child.pid!);
    const step = Math.ceil(SIZE / PARTS);
    const parts = Array.from({ length: PARTS }, (_, i) => ({
      number: i + 1,
      chunk_start: i * step,
      chunk_end: Math.min(SIZE, (i + 1) * step) - 1,
    }));
    const upload = await json(base, 'POST', '/v1/files/', accessToken, {
      service: 'downloadable',
      name: 'big.bin',
      mime_type: 'application/octet-stream',
      size: SIZE,
      checksum_sha256_base64: sha.toString('base64'),
      upload: { parts },
    });
    const put = await timed(() =>
      Promise.all(upload.upload.parts.map((p: any) => putRange(p.url, p.headers, source, p.chunk_start, p.chunk_end))),
    );
    const etags = put.value as string[];
    const complete = await timed(() =>
      json(base, 'POST', `/v1/files/${upload.id}/uploaded`, accessToken, {
        id: upload.upload.id,
        path: upload.upload.path,
        parts: etags.map((etag, i) => ({ number: i + 1, checksum_etag: etag, checksum_sha256_base64: null })),
      }),
    );

    // A customer holding the file through a benefit, seeded directly (the grant engine is not measured).
    const [customer] = await ds.query(`INSERT INTO customers (organization_id, email) VALUES ($1, 'bench@example.com') RETURNING id`, [
      organization.id,
    ]);
    const [benefit] = await ds.query(
      `INSERT INTO benefits (organization_id, type, description, properties) VALUES ($1, 'downloadables', 'Bench files', $2) RETURNING id`,
      [organization.id, JSON.stringify({ files: [upload.id], archived: {} })],
    );
    await ds.query(`INSERT INTO downloadables (organization_id, customer_id, benefit_id, file_id) VALUES ($1, $2, $3, $4)`, [
      organization.id,
      customer.id,
      benefit.id,
      upload.id,
    ]);
    const session = await json(base, 'POST', '/v1/customer-sessions/', accessToken, { customer_id: customer.id });
    const list = await json(base, 'GET', '/v1/customer-portal/downloadables/', session.token);
    const link: string = list.items[0].file.download.url;

    const target = path.join(work, 'downloaded.bin');
    const down = await timed(async () => {
      const first = await fetch(link, { redirect: 'manual' });
      await getToFile(first.headers.get('location')!, target);
    });
    // The same download by curl into a file: the client's own cost apart from the server's.
    const curl = await timed(async () => {
      const first = await fetch(link, { redirect: 'manual' });
      execFileSync('curl', ['-sf', '-o', target, first.headers.get('location')!]);
    });
    sampler.stop();
    const peak = sampler.peak();
    const same =
      createHash('sha256').update(fs.readFileSync(target)).digest().equals(sha) &&
      complete.value.checksum_sha256_hex === sha.toString('hex');
    fs.rmSync(target);

    const listing = await concurrent(CONCURRENCY, () => json(base, 'GET', '/v1/customer-portal/downloadables/', session.token));
    const redeeming = await concurrent(CONCURRENCY, async () => {
      const res = await fetch(link, { redirect: 'manual' });
      if (res.status !== 302) throw new Error(`redeem ${res.status}`);
    });

    const mib = (SIZE / 1024 / 1024).toFixed(0);
    console.log(`file: ${mib} MiB, ${PARTS} parts in parallel, local driver; bytes and SHA-256 equal after the round trip: ${same}`);
    console.log(`cp (same file, same disk):          ${rate(SIZE, cpMs)}`);
    console.log(`upload: part PUTs (8 in parallel):  ${rate(SIZE, put.ms)}`);
    console.log(`upload: completion (join + SHA-256): ${rate(SIZE, complete.ms)}`);
    console.log(`upload: PUTs + completion:          ${rate(SIZE, put.ms + complete.ms)}`);
    console.log(`download: portal link -> 302 -> file: ${rate(SIZE, down.ms)}`);
    console.log(`download: the same by curl:         ${rate(SIZE, curl.ms)}`);
    console.log(
      `API RSS: ${(rss0 / 1024).toFixed(0)} MiB before, peak ${(peak / 1024).toFixed(0)} MiB, growth ${((peak - rss0) / 1024).toFixed(1)} MiB`,
    );
    console.log(`${CONCURRENCY} concurrent GET /v1/customer-portal/downloadables/ (signs links): ${listing}`);
    console.log(`${CONCURRENCY} concurrent link redemptions (count + 302):          ${redeeming}`);
    console.log(
      `load after: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    await ds.destroy();
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await pg?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv.includes('--server')) {
  // Files never touch Temporal: the child's connection stays lazy.
  void serveApi('warn');
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
