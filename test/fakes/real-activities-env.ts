// Workflow tests that run the real activities (PostgreSQL, provider clients against the stand-ins)
// on Temporal's time-skipping server: the environment with the test database, and per test a worker
// on a fresh task queue, after which the workflows the test started are terminated.
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import type { EngineDeps } from '../../activities/engine-deps';
import { strategies } from '../../benefits/registry';
import { createDataSource } from '../../db/data-source';
import { EngineClient } from '../../engine/engine-client';
import { createLogger } from '../../lib/logger';
import { startTimeSkippingEnv } from './time-skipping-env';

export interface RealEngineEnv {
  env: TestWorkflowEnvironment;
  /** The database jest's global setup migrated (every test file shares it). */
  ds: DataSource;
  close(): Promise<void>;
}

export async function startRealEngineEnv(): Promise<RealEngineEnv> {
  const env = await startTimeSkippingEnv();
  const ds = createDataSource({ url: required('TEST_DATABASE_URL') });
  try {
    await ds.initialize();
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return {
    env,
    ds,
    close: async () => {
      await ds.destroy();
      await env.teardown();
    },
  };
}

export interface RealActivitiesWorker {
  engine: EngineClient;
  client: Client;
  /**
   * Runs `body` while the worker polls, then terminates `workflowIds` (the workflows the test
   * started that never end by themselves, such as grants), whether `body` passed or not.
   */
  runUntil<T>(workflowIds: string[], body: () => Promise<T>): Promise<T>;
}

export type RealActivitiesOptions = Partial<
  Pick<EngineDeps, 'providers' | 'webhookTransport' | 'webhookAllowPrivateNetworks' | 'webhookTimeoutMs'>
> & {
  /** The env's client lets time skip while the test awaits a workflow's result; the default never does. */
  client?: Client;
};

/** A worker on a fresh task queue whose activities are the real ones (providers, webhook settings as given). */
export async function realActivitiesWorker({ env, ds }: RealEngineEnv, options: RealActivitiesOptions = {}): Promise<RealActivitiesWorker> {
  const { client = new Client({ connection: env.connection, namespace: 'default' }), ...deps } = options;
  const taskQueue = `real-${randomUUID()}`;
  const engine = new EngineClient(client, taskQueue);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: required('TEST_WORKFLOW_BUNDLE') },
    activities: createActivities({
      dataSource: ds,
      engine,
      registry: strategies,
      logger: createLogger('silent', 'test'),
      webhookAllowPrivateNetworks: false,
      webhookTimeoutMs: 1000,
      ...deps,
    }),
  });
  const terminate = (ids: string[]) =>
    Promise.all(
      ids.map((id) =>
        client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => undefined),
      ),
    );
  return {
    engine,
    client,
    runUntil: async (workflowIds, body) => {
      try {
        return await worker.runUntil(body);
      } finally {
        await terminate(workflowIds);
      }
    },
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests through jest (globalSetup)`);
  return value;
}
