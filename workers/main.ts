// Worker process entry: config -> database (migrations) -> Temporal -> run until SIGINT/SIGTERM.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../activities';
import { buildProviders } from '../benefits/providers';
import { strategies } from '../benefits/registry';
import { loadConfig, requireDatabaseUrl, requireEncryptionKey } from '../config/config';
import { heapLimitMb, largeHeapWarning } from '../config/worker-memory';
import { lowerCpuPriority } from '../lib/cpu-priority';
import { openDatabase } from '../db/data-source';
import { WebhookEndpointsRepository } from '../db/repositories/webhook-endpoints.repository';
import { EngineClient } from '../engine/engine-client';
import { PendingWorkDispatcher } from '../engine/pending-work-dispatcher';
import { createLogger } from '../lib/logger';
import { secretBoxFor } from '../lib/secret-box';
import { temporalConnectionSettings } from '../lib/temporal-connection';
import { ensureSearchAttributes } from './search-attributes';
import { createWorker } from './worker';

export const DEFAULT_BUNDLE_PATH = path.resolve(__dirname, '..', '.build', 'workflow-bundle.js');

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  requireEncryptionKey(config);
  // First, so the threads started below (the SDK's runtime, the workflow thread) inherit it.
  const priority = lowerCpuPriority(process.pid, config.WORKER_NICENESS);
  if (priority.failed > 0) logger.warn({ WORKER_NICENESS: config.WORKER_NICENESS }, "could not lower the worker's CPU priority");
  const heapWarning = largeHeapWarning(heapLimitMb(), config.WORKER_HEAP_MB);
  if (heapWarning) logger.warn({ heapLimitMb: heapLimitMb(), WORKER_HEAP_MB: config.WORKER_HEAP_MB }, heapWarning);
  const dataSource = await openDatabase({
    url: requireDatabaseUrl(config),
    poolSize: config.DATABASE_POOL_SIZE,
    ssl: config.DATABASE_SSL,
    applicationName: 'benefits-worker',
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
  });
  // Rows written before secrets were encrypted (or before a key was set) are sealed once here:
  // a migration cannot, as the key is not the database's to know.
  const secretBox = secretBoxFor(config.SECRET_ENCRYPTION_KEY);
  if (secretBox) {
    const sealed = await new WebhookEndpointsRepository(dataSource, secretBox).sealPlaintextSecrets();
    if (sealed > 0) logger.info({ sealed }, 'encrypted webhook secrets stored in clear');
  } else {
    logger.warn('SECRET_ENCRYPTION_KEY is not set: webhook secrets are stored unencrypted');
  }
  const settings = temporalConnectionSettings(config);
  const setupConnection = await Connection.connect(settings);
  await ensureSearchAttributes(setupConnection, config.TEMPORAL_NAMESPACE, logger);
  await setupConnection.close();
  // Activities start and signal workflows through the worker's own (Rust) connection: cheaper per
  // call than the JS gRPC client, and a grant started here can be handed straight back to this
  // worker in the start response (eager start), skipping a task-queue round trip.
  const workerConnection = await NativeConnection.connect(settings);
  const client = new Client({ connection: workerConnection, namespace: config.TEMPORAL_NAMESPACE });
  const engine = new EngineClient(client, config.TEMPORAL_TASK_QUEUE, { eagerStart: true });

  const bundle = config.WORKFLOW_BUNDLE_PATH ?? (existsSync(DEFAULT_BUNDLE_PATH) ? DEFAULT_BUNDLE_PATH : undefined);
  if (!bundle) logger.warn('no prebuilt workflow bundle (npm run bundle); bundling at start');
  const stopping = new AbortController();
  const worker = await createWorker({
    stopping,
    connection: workerConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: createActivities({
      dataSource,
      engine,
      registry: strategies,
      providers: buildProviders(config),
      logger,
      webhookTimeoutMs: 10_000,
      stopping: stopping.signal,
      webhookAllowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      secretBox,
    }),
    workflowBundlePath: bundle,
    maxConcurrentActivities: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTasks: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    shutdownGraceSeconds: config.WORKER_SHUTDOWN_GRACE_SECONDS,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
  await engine.startOutboxRelay({
    intervalSeconds: config.OUTBOX_RELAY_INTERVAL_SECONDS,
    olderThanSeconds: config.OUTBOX_RELAY_INTERVAL_SECONDS,
  });
  // Best effort: a worker that cannot set the schedule (no permission on a cloud namespace) still runs.
  await engine
    .ensureDriftRepairSchedule(config.DRIFT_REPAIR_INTERVAL_HOURS)
    .catch((err) => logger.warn({ err: String(err) }, 'drift repair schedule not set'));
  // Starts the workflows of what the API commits (orders, subscriptions, engine commands).
  const dispatcher = new PendingWorkDispatcher({ dataSource, engine, logger });
  dispatcher.start();
  logger.info(
    {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      namespace: config.TEMPORAL_NAMESPACE,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      heapLimitMb: heapLimitMb(),
      niceness: os.getPriority(),
    },
    'worker running',
  );
  // The SDK's runtime turns SIGINT/SIGTERM into a graceful worker shutdown; run() then resolves.
  await worker.run();
  await dispatcher.stop();
  await workerConnection.close();
  await dataSource.destroy();
  logger.info('worker stopped');
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
