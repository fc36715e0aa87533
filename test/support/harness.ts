// Per test file: an API and a worker (own task queue) against the run's shared PostgreSQL and
// Temporal dev server. Real parts throughout; fakes only at the ports (HTTP to providers).
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import type { EngineDeps } from '../../activities/engine-deps';
import { createApp } from '../../api/app';
import { buildProviders } from '../../benefits/providers';
import { strategies } from '../../benefits/registry';
import { parseConfig } from '../../config/config';
import { createDataSource } from '../../db/data-source';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { EngineClient } from '../../engine/engine-client';
import { PendingWorkDispatcher } from '../../engine/pending-work-dispatcher';
import { freePort } from '../../lib/free-port';
import { createLogger } from '../../lib/logger';
import { secretBoxFor } from '../../lib/secret-box';
import { lazyTemporalClient } from '../../lib/temporal-connection';
import { createWorker } from '../../workers/worker';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createPolar } = require('@polar-sh/sdk/2026-10') as { createPolar: (o: { accessToken: string; baseUrl: string }) => any };

export interface ApiServer {
  baseUrl: string;
  polar(accessToken: string): any;
  /** Raw HTTP for what the SDK cannot express (our extensions, malformed input). */
  http(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
}

export interface TestStack extends ApiServer {
  dataSource: DataSource;
  temporal: Client;
  engine: EngineClient;
  taskQueue: string;
  /** The worker's dispatcher when it runs (a test may stop and start it again). */
  dispatcher?: PendingWorkDispatcher;
  /** With `engineDownApi`: a second API on the same database and task queue whose Temporal is down. */
  engineDown?: ApiServer;
  createOrganization(name?: string): Promise<{ organizationId: string; accessToken: string }>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Run a worker for this file's task queue (default true). */
  worker?: boolean;
  /**
   * Run the worker's dispatcher, which starts what the API commits (default: when a worker runs).
   * Off, only the outbox relay (or the test) starts it.
   */
  dispatcher?: boolean;
  /** Override activity dependencies (e.g. the webhook network policy). */
  deps?: Partial<EngineDeps>;
  /**
   * Also serve a second API whose Temporal address is a closed port (through the API's own lazy
   * client): an engine down for that API, while the first, the worker and `engine` reach the real one.
   */
  engineDownApi?: boolean;
  /** Settings on top of the test defaults (e.g. provider URLs pointed at test/fakes). */
  env?: Record<string, string>;
}

let counter = 0;

function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger((process.env.TEST_TEMPORAL_LOG_LEVEL as any) ?? 'WARN') });
  } catch {
    // Already installed by an earlier test file in this process.
  }
}

export async function startTestStack(opts: StackOptions = {}): Promise<TestStack> {
  const url = required('TEST_DATABASE_URL');
  const address = required('TEST_TEMPORAL_ADDRESS');
  const taskQueue = `test-${process.pid}-${Date.now()}-${counter++}`;
  const config = parseConfig({
    DATABASE_URL: url,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    TRUST_PROXY: 'loopback',
    ...opts.env,
  });
  // One set of provider clients for the API and the worker, as each process root builds them.
  const providers = opts.deps?.providers ?? buildProviders(config);
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');
  const dataSource = createDataSource({ url, poolSize: 20 });
  await dataSource.initialize();
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, namespace: 'default' });
  const engine = new EngineClient(temporal, taskQueue);

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let workerConnection: NativeConnection | undefined;
  let dispatcher: PendingWorkDispatcher | undefined;
  if (opts.worker !== false) {
    quietRuntime();
    workerConnection = await NativeConnection.connect({ address });
    const stopping = new AbortController();
    worker = await createWorker({
      stopping,
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      workflowBundlePath: required('TEST_WORKFLOW_BUNDLE'),
      activities: createActivities({
        dataSource,
        engine,
        registry: strategies,
        providers,
        logger,
        webhookTimeoutMs: 10_000,
        // Test receivers listen on 127.0.0.1.
        webhookAllowPrivateNetworks: true,
        stopping: stopping.signal,
        secretBox: secretBoxFor(config.SECRET_ENCRYPTION_KEY),
        ...opts.deps,
      }),
      shutdownGraceSeconds: 1,
    });
    running = worker.run();
  }
  if (opts.dispatcher ?? opts.worker !== false) {
    dispatcher = new PendingWorkDispatcher({ dataSource, engine, logger });
    dispatcher.start();
  }

  const apiDeps = { config, logger, dataSource, registry: opts.deps?.registry, providers };
  const main = await serve(createApp({ ...apiDeps, temporal }));
  const down = opts.engineDownApi
    ? lazyTemporalClient(parseConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, NODE_ENV: 'test' }))
    : null;
  const engineDown = down ? await serve(createApp({ ...apiDeps, temporal: down.client })) : null;
  const organizations = new OrganizationsRepository(dataSource);

  return {
    ...main.api,
    engineDown: engineDown?.api,
    dataSource,
    temporal,
    engine,
    taskQueue,
    dispatcher,
    createOrganization: async (name = 'Test org') => {
      const { organization, accessToken } = await organizations.createWithToken(name);
      return { organizationId: organization.id, accessToken };
    },
    close: async () => {
      for (const server of [main.server, engineDown?.server]) {
        if (!server) continue;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await dispatcher?.stop();
      if (worker) {
        worker.shutdown();
        await running;
      }
      await workerConnection?.close();
      await down?.connection.close();
      await connection.close();
      await dataSource.destroy();
    },
  };
}

async function serve(app: ReturnType<typeof createApp>): Promise<{ server: Server; api: ApiServer }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    server,
    api: {
      baseUrl,
      polar: (accessToken: string) => createPolar({ accessToken, baseUrl }),
      http: async (method, path, o = {}) => {
        const res = await fetch(`${baseUrl}${path}`, {
          method,
          headers: {
            ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
            ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...o.headers,
          },
          body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
        });
        const text = await res.text();
        let body: any = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // not JSON: keep the text
        }
        return { status: res.status, body, headers: res.headers };
      },
    },
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests through jest (globalSetup starts the stack)`);
  return value;
}

/** Polls until `check` returns a truthy value (grants complete asynchronously). */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
