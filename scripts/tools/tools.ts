/**
 * Provisions the two Temporal servers that tests and `npm start` run, on machines whose only network
 * access is package registries (so the SDK's own binary downloads fail). Everything lands in the
 * git-ignored `<repo>/.tools` and is reused; a second run only checks what is there.
 *
 * - Temporal CLI (dev server) v1.5.1, built with `go install` (newest tag `go install` accepts).
 * - Time-skipping test server: the Java SDK's io.temporal:temporal-test-server jars from Maven
 *   Central, behind a shell wrapper the SDK can `exec` as `<wrapper> <port>`.
 *
 * The SDK gives a spawned server 5 s (50 x 100 ms gRPC connection attempts) to answer, so the JVM's
 * start-up matters. Measured exec -> port listening, test server 1.38.0, OpenJDK 17, 2 cores, median
 * (range) of 5-7 starts in ms; "shared" = the machine shared with other test runs, load average 6-8:
 *
 *   flags                                          idle   1 core busy  2 cores busy  shared
 *   (none)                                         1072          1073          1486  1620-5553
 *   -XX:TieredStopAtLevel=1                         707             -             -  -
 *   -XX:TieredStopAtLevel=1 -XX:+UseSerialGC        738           829          1358  1372-2664
 *   ... + AppCDS archive (-XX:SharedArchiveFile)    255           358           564  486-2024
 *
 * So the wrapper uses C1 only, SerialGC and an AppCDS archive recorded at provisioning (the server
 * started once with -XX:ArchiveClassesAtExit, then SIGTERM, which dumps). A stale archive (new JDK,
 * touched jars) costs one JVM warning and the slower start; the stamp notices a new JDK and re-records.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import type { EphemeralServerExecutable } from '@temporalio/testing';

export type Log = (msg: string) => void;
export type TemporalCliSource = { kind: 'existing-path'; path: string } | { kind: 'download' };

export const TEMPORAL_CLI_VERSION = '1.5.1';
const CLI_MODULE = 'github.com/temporalio/cli';
const TEST_SERVER_MAIN = 'io.temporal.testserver.TestServer';
// C1-only JIT and SerialGC: a short-lived test server never benefits from C2 or G1's threads.
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn'];
const TEST_SERVER_LAYOUT = 1; // bump when the layout or wrapper changes, so checkouts re-provision
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const repoRoot = path.resolve(__dirname, '../..');

export function toolsDir(): string {
  return path.join(repoRoot, '.tools');
}

/** The `server.executable` option of @temporalio/testing's createLocal for this source. */
export function toDevServerOption(source: TemporalCliSource): EphemeralServerExecutable {
  return source.kind === 'existing-path' ? { type: 'existing-path', path: source.path } : { type: 'cached-download' };
}

/**
 * Finds a Temporal CLI: the configured TEMPORAL_CLI_PATH (the caller owns the config), else the cached
 * build, else a fresh `go install`, else one on PATH, else the SDK's download (needs internet).
 */
export async function ensureTemporalCli(log: Log, opts: { cliPath?: string } = {}): Promise<TemporalCliSource> {
  if (opts.cliPath) {
    // A configured path that is wrong should fail loudly rather than silently use another binary.
    if (!isExecutable(opts.cliPath)) throw new Error(`TEMPORAL_CLI_PATH=${opts.cliPath} is not an executable file`);
    return { kind: 'existing-path', path: path.resolve(opts.cliPath) };
  }
  const binDir = path.join(toolsDir(), 'bin');
  const cached = path.join(binDir, 'temporal');
  if (isExecutable(cached) && (await reportsVersion(cached))) return { kind: 'existing-path', path: cached };

  const go = findOnPath('go');
  if (go) {
    await buildTemporalCli(go, binDir, log);
    if (!(await reportsVersion(cached))) throw new Error(`built ${cached} but it is not v${TEMPORAL_CLI_VERSION}`);
    return { kind: 'existing-path', path: cached };
  }
  const onPath = findOnPath('temporal');
  if (onPath) {
    log(`using ${onPath} from PATH (Go not found, so v${TEMPORAL_CLI_VERSION} could not be built)`);
    return { kind: 'existing-path', path: onPath };
  }
  log('no Go and no `temporal` on PATH: the SDK will download the CLI when a dev server starts (needs internet)');
  return { kind: 'download' };
}

async function buildTemporalCli(go: string, binDir: string, log: Log): Promise<void> {
  log(`building Temporal CLI v${TEMPORAL_CLI_VERSION} from its Go module (first run only, a few minutes)...`);
  fs.mkdirSync(binDir, { recursive: true });
  // Each build gets its own GOBIN and the result is renamed into place, so two processes building
  // at once cannot leave a half-written binary behind; the last rename wins with an equal binary.
  const tmpBin = path.join(binDir, `.build-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(tmpBin);
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  // Compiling prints nothing for minutes; show that it is alive.
  const heartbeat = setInterval(() => log(`  still building (${seconds()} s)...`), 30_000);
  try {
    // `go install` builds report "0.0.0-DEV"; the release build stamps the version the same way.
    const ldflags = `-ldflags=-X=${CLI_MODULE}/temporalcli.Version=${TEMPORAL_CLI_VERSION}`;
    const res = await run(go, ['install', ldflags, `${CLI_MODULE}/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: tmpBin },
      onLine: (line) => log(`  ${line}`),
    });
    if (res.code !== 0) throw new Error(`go install failed (exit ${res.code}):\n${res.tail.join('\n')}`);
    fs.renameSync(path.join(tmpBin, 'temporal'), path.join(binDir, 'temporal'));
    log(`built ${path.join(binDir, 'temporal')} in ${seconds()} s`);
  } finally {
    clearInterval(heartbeat);
    fs.rmSync(tmpBin, { recursive: true, force: true });
  }
}

export const FAKE_GCS_SERVER_VERSION = '1.55.1';

/**
 * Returns `.tools/bin/fake-gcs-server-v<version>`, a Google Cloud Storage emulator for the `gcs`
 * storage driver's tests, built with `go install` on first use (the versioned name is the cache key).
 */
export async function ensureFakeGcsServer(log: Log): Promise<string> {
  const binDir = path.join(toolsDir(), 'bin');
  const target = path.join(binDir, `fake-gcs-server-v${FAKE_GCS_SERVER_VERSION}`);
  if (isExecutable(target)) return target;
  const go = findOnPath('go');
  if (!go) throw new Error('fake-gcs-server is built from its Go module: install Go (`go` on PATH)');
  log(`building fake-gcs-server v${FAKE_GCS_SERVER_VERSION} from its Go module (first run only)...`);
  fs.mkdirSync(binDir, { recursive: true });
  // Own GOBIN per build, renamed into place, as for the Temporal CLI.
  const tmpBin = path.join(binDir, `.build-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(tmpBin);
  try {
    const res = await run(go, ['install', `github.com/fsouza/fake-gcs-server@v${FAKE_GCS_SERVER_VERSION}`], {
      env: { ...process.env, GOBIN: tmpBin },
      onLine: (line) => log(`  ${line}`),
    });
    if (res.code !== 0) throw new Error(`go install failed (exit ${res.code}):\n${res.tail.join('\n')}`);
    fs.renameSync(path.join(tmpBin, 'fake-gcs-server'), target);
    return target;
  } finally {
    fs.rmSync(tmpBin, { recursive: true, force: true });
  }
}

async function reportsVersion(exe: string): Promise<boolean> {
  const res = await run(exe, ['--version'], { timeoutMs: 20_000 });
  return res.code === 0 && (res.tail[0] ?? '').startsWith(`temporal version ${TEMPORAL_CLI_VERSION} `);
}

/**
 * Returns `.tools/test-server/temporal-test-server`, a wrapper that `exec`s the Java time-skipping
 * server (the SDK kills it by pid, so no shell may stay in between). Needs `java` and `mvn`.
 */
export async function ensureTestServer(log: Log): Promise<string> {
  const dir = path.join(toolsDir(), 'test-server');
  const wrapper = path.join(dir, 'temporal-test-server');
  const stampFile = path.join(dir, '.complete');
  const pom = path.join(__dirname, 'test-server-pom.xml');
  const javaOnPath = findOnPath('java');
  if (!javaOnPath) throw new Error('the time-skipping test server needs Java 17+ (`java` on PATH)');
  // The real binary, not an alternatives link: the CDS archive only fits the JVM that recorded it.
  const java = fs.realpathSync(javaOnPath);
  const { size, mtimeMs } = fs.statSync(java);
  const inputs = [TEST_SERVER_LAYOUT, dir, fs.readFileSync(pom, 'utf8'), java, size, mtimeMs, JVM_FLAGS];
  const key = createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
  const isDone = () => readFile(stampFile) === key && isExecutable(wrapper);
  if (isDone()) return wrapper;

  fs.mkdirSync(dir, { recursive: true });
  // The archive records the jars' paths and mtimes, so jars cannot be swapped in by rename like the
  // CLI; a lock directory (mkdir is atomic) serialises concurrent first runs instead.
  const release = await lock(path.join(toolsDir(), 'test-server.lock'), log);
  try {
    if (isDone()) return wrapper;
    const mvn = findOnPath('mvn');
    if (!mvn) throw new Error('the time-skipping test server is fetched with Maven; install `mvn` (Debian: maven)');
    fs.rmSync(stampFile, { force: true });
    const lib = path.join(dir, 'lib');
    fs.rmSync(lib, { recursive: true, force: true });
    log('fetching the Temporal time-skipping test server from Maven Central (first run only)...');
    const mvnArgs = ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', '-DincludeScope=runtime'];
    const res = await run(mvn, [...mvnArgs, `-DoutputDirectory=${lib}`], { onLine: (line) => log(`  ${line}`) });
    if (res.code !== 0) throw new Error(`mvn failed (exit ${res.code}):\n${res.tail.join('\n')}`);
    // An explicit, sorted classpath rather than lib/*: the archive is only used when the classpath
    // matches the recorded one exactly, and a wildcard's order is whatever readdir returns.
    const jars = fs
      .readdirSync(lib)
      .filter((f) => f.endsWith('.jar'))
      .sort();
    const classpath = jars.map((f) => path.join(lib, f)).join(':');

    const archive = path.join(dir, 'test-server.jsa');
    fs.rmSync(archive, { force: true });
    log('recording a class-data-sharing archive so the JVM starts ~3x faster...');
    const useArchive = await recordArchive(java, classpath, archive, log);
    const flags = [...JVM_FLAGS, ...(useArchive ? [`-XX:SharedArchiveFile=${archive}`] : [])];
    const command = [java, ...flags, '-cp', classpath, TEST_SERVER_MAIN].map(shQuote).join(' ');
    const header = '#!/bin/sh\n# Generated by scripts/tools/tools.ts (`npm run tools`). Usage: <this> <port>';
    writeAtomic(wrapper, `${header}\nexec ${command} "$@"\n`, 0o755);

    const check = await startServer(wrapper, [], 30_000);
    const stderr = await check.stop('SIGKILL');
    if (!check.up) throw new Error(`${wrapper} did not start listening within 30 s:\n${stderr}`);
    log(`test server answers on its port ${check.ms} ms after exec`);
    writeAtomic(stampFile, key, 0o644);
    return wrapper;
  } finally {
    release();
  }
}

/** Starts the server once with -XX:ArchiveClassesAtExit, stops it with SIGTERM (which dumps). */
async function recordArchive(java: string, classpath: string, archive: string, log: Log): Promise<boolean> {
  const args = [...JVM_FLAGS, `-XX:ArchiveClassesAtExit=${archive}`, '-cp', classpath, TEST_SERVER_MAIN];
  const server = await startServer(java, args, 60_000);
  // Give the server a moment past listening so its remaining start-up classes are in the archive.
  if (server.up) await sleep(1000);
  const stderr = await server.stop('SIGTERM');
  if (server.up && fs.existsSync(archive)) return true;
  log(`warning: recording a CDS archive failed, the test server will start ~3x slower:\n${stderr}`);
  fs.rmSync(archive, { force: true });
  return false;
}

/** Spawns `<exe> ...args <free port>` and waits until the port accepts connections or it exits. */
async function startServer(exe: string, args: string[], timeoutMs: number) {
  const port = await freePort();
  const started = Date.now();
  const child = spawn(exe, [...args, String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let dead = false;
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => ((dead = true), resolve())));
  let up = false;
  while (!up && !dead && Date.now() - started < timeoutMs) {
    up = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => (sock.destroy(), resolve(true)));
      sock.once('error', () => resolve(false));
    });
    if (!up) await sleep(20);
  }
  const ms = Date.now() - started;
  const stop = async (signal: NodeJS.Signals) => {
    child.kill(signal);
    // SIGTERM makes the JVM dump the archive on its way out; do not wait forever for that.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
    return stderr.trim();
  };
  return { up, ms, stop };
}

// The only process.env reads here: PATH lookup, and passing the environment on to `go` (HOME,
// caches, proxies). Configuration comes from config/config.ts via the callers.
function findOnPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  return dirs.map((dir) => path.join(dir || '.', name)).find(isExecutable);
}

function isExecutable(p: string): boolean {
  return attempt(() => (fs.accessSync(p, fs.constants.X_OK), fs.statSync(p).isFile())) ?? false;
}

const readFile = (p: string) => attempt(() => fs.readFileSync(p, 'utf8'));

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function writeAtomic(file: string, content: string, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, content, { mode });
  fs.renameSync(tmp, file);
}

function shQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Acquires a cross-process lock directory; one whose holder died (pid gone) is taken over. */
async function lock(dir: string, log: Log): Promise<() => void> {
  for (let waited = 0; ; waited += 500) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(readFile(path.join(dir, 'pid')));
    // process.kill(pid, 0) throws when no such process exists; a lock without a pid is mid-creation.
    if (pid && attempt(() => process.kill(pid, 0)) === undefined) fs.rmSync(dir, { recursive: true, force: true });
    else if (waited % 30_000 === 0) log(`waiting for another process that is provisioning (${dir})...`);
    await sleep(500);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a command, passing each output line to onLine and keeping the last 40 for error messages. */
function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env, timeout: opts.timeoutMs });
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (raw) => {
        const line = raw.replace(ANSI_COLOUR, ''); // Maven colours its output even with -B
        if (!line.trim()) return;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        opts.onLine?.(line);
      });
    }
    child.once('error', (err) => resolve({ code: null, tail: [String(err)] }));
    child.once('close', (code) => resolve({ code, tail }));
  });
}
type RunResult = { code: number | null; tail: string[] };
type RunOptions = { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void; timeoutMs?: number };
