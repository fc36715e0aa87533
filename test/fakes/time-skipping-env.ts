// Shared plumbing for workflow tests on Temporal's time-skipping test server: one environment per
// test file, one worker (own task queue) per test, time moved only by explicit jumps.
import { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EngineActivities } from '../../activities/activity-types';
import { EngineClient } from '../../engine/engine-client';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { InMemoryEngine, InMemoryEngineOptions } from './in-memory-engine';

export const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * The test server's clock keeps running in real time between jumps, and an activity runs a few
 * real milliseconds after the timer that caused it: "exactly at T" means in [T, T + this).
 */
export const CLOCK_SLACK_MS = 15_000;
export const HISTORIES_DIR = path.join(__dirname, '..', 'workflows', 'histories');

export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  } catch {
    // Installed by an earlier test file in this process.
  }
  const executable = process.env.TEST_TIME_SKIPPING_SERVER;
  if (!executable) throw new Error('TEST_TIME_SKIPPING_SERVER is not set: run tests through jest (globalSetup)');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: executable } } });
  // The grant workflow carries search attributes; the test server knows only those registered.
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((name) => [name, keyword])),
  });
  return env;
}

export interface EngineTest {
  fake: InMemoryEngine;
  engine: EngineClient;
  /** A client that never unlocks time skipping (the env's client does while awaiting results). */
  client: Client;
  taskQueue: string;
  /** Workflow ids the test started itself, terminated at the end with the fake's grants. */
  track(workflowId: string): void;
}

/**
 * Runs `body` with a worker on a fresh task queue whose activities are an in-memory engine. At the
 * end every workflow of the test is let settle, then the ones still open are terminated: a task
 * nobody will poll (or one cut off by a terminate) holds the test server's time-skipping lock
 * for good, and a leftover timer would fire into a later test.
 */
export async function withEngine<T>(
  env: TestWorkflowEnvironment,
  body: (t: EngineTest) => Promise<T>,
  opts: Omit<InMemoryEngineOptions, 'engine' | 'now'> & { activities?: (fake: InMemoryEngine) => Partial<EngineActivities> } = {},
): Promise<T> {
  const taskQueue = `wf-${randomUUID()}`;
  const client = new Client({ connection: env.connection, namespace: 'default' });
  const engine = new EngineClient(client, taskQueue);
  const fake = new InMemoryEngine({ ...opts, engine, now: () => env.currentTimeMs() });
  const tracked: string[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: bundlePath() },
    activities: { ...fake.activities(), ...opts.activities?.(fake) },
  });
  return worker.runUntil(async () => {
    try {
      return await body({ fake, engine, client, taskQueue, track: (id) => void tracked.push(id) });
    } finally {
      const open = await settle(env, client, [...tracked, ...fake.grantWorkflowIds()]);
      await Promise.all(
        open.map((id) =>
          client.workflow
            .getHandle(id)
            .terminate('test over')
            .catch(() => undefined),
        ),
      );
    }
  });
}

const E = temporal.api.enums.v1.EventType;
const CLOSED = new Set([
  E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);
/** Events a completed workflow task leaves behind without asking for another task. */
const AFTER_TASK = new Set([
  E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  E.EVENT_TYPE_TIMER_STARTED,
  E.EVENT_TYPE_TIMER_CANCELED,
  E.EVENT_TYPE_MARKER_RECORDED,
  E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
]);
const ACTIVITY_CLOSED = new Set([
  E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
  E.EVENT_TYPE_ACTIVITY_TASK_FAILED,
  E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
  E.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
]);

/**
 * Waits until each workflow is closed or idle (no task, activity or timer due within a minute);
 * returns the open ones. Query only settled workflows too: the test server leaks its time lock
 * for a query that rides on a workflow task in flight.
 */
export async function settle(env: TestWorkflowEnvironment, client: Client, workflowIds: string[], timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let open = [...new Set(workflowIds)];
  for (;;) {
    // Every open workflow is looked at again each round: one that was idle may have been
    // signalled since by another that was busy.
    const soon = (await env.currentTimeMs()) + 60_000;
    const states = new Map<string, 'closed' | 'idle' | 'busy'>();
    for (let i = 0; i < open.length; i += 50) {
      await Promise.all(
        open.slice(i, i + 50).map(async (id) => {
          const history = await client.workflow
            .getHandle(id)
            .fetchHistory()
            .catch(() => null);
          states.set(id, stateOf(history?.events ?? [], soon));
        }),
      );
    }
    open = open.filter((id) => states.get(id) !== 'closed');
    if (open.every((id) => states.get(id) === 'idle') || Date.now() > deadline) return open;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function stateOf(events: temporal.api.history.v1.IHistoryEvent[], soon: number): 'closed' | 'idle' | 'busy' {
  const types = events.map((e) => e.eventType!);
  if (types.length === 0 || CLOSED.has(types[types.length - 1])) return 'closed';
  const activities =
    types.filter((t) => t === E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).length - types.filter((t) => ACTIVITY_CLOSED.has(t)).length;
  const lastTask = types.lastIndexOf(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const quiet = lastTask >= 0 && types.slice(lastTask).every((t) => AFTER_TASK.has(t));
  const timerEnded = new Set(
    events.map((e) => Number(e.timerFiredEventAttributes?.startedEventId ?? e.timerCanceledEventAttributes?.startedEventId ?? -1)),
  );
  const timerDueSoon = events.some(
    (e) =>
      e.timerStartedEventAttributes &&
      !timerEnded.has(Number(e.eventId)) &&
      tsToMs(e.eventTime) + tsToMs(e.timerStartedEventAttributes.startToFireTimeout) < soon,
  );
  return quiet && activities === 0 && !timerDueSoon ? 'idle' : 'busy';
}

function bundlePath(): string {
  const codePath = process.env.TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('TEST_WORKFLOW_BUNDLE is not set: run tests through jest (globalSetup)');
  return codePath;
}

/** Jumps the test server's clock to `targetMs` (timers due on the way fire in order). */
export async function advanceTo(env: TestWorkflowEnvironment, targetMs: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (targetMs <= now) return;
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the test server clock is stuck: a task nobody polls holds its time lock')), 15_000);
  });
  try {
    await Promise.race([env.sleep(targetMs - now), stuck]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits (real time, short polls) for asynchronous effects that need no clock movement. */
export async function until<T>(check: () => T | null | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** As `until`, for checks that are asynchronous (a database row, a workflow query), polled every 50 ms. */
export async function poll<T>(check: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Expects `actualMs` to be the moment `expectedMs` (not before, and within the clock's slack). */
export function expectAt(actualMs: number | undefined, expectedMs: number): void {
  expect(actualMs).toBeDefined();
  expect(actualMs!).toBeGreaterThanOrEqual(expectedMs);
  expect(actualMs!).toBeLessThan(expectedMs + CLOCK_SLACK_MS);
}

/**
 * UPDATE_HISTORIES=1 npx jest --runInBand test/workflows  rewrites test/workflows/histories/*.json
 * from the scenarios that call this; commit them so replay.workflow.test.ts guards determinism.
 * Format: protobufjs' object form of temporal.api.history.v1.History (enums by name, 64-bit
 * integers as strings). The SDK's historyToJSON cannot be used here: it and @temporalio/proto
 * resolve different protobufjs copies in this install.
 */
export async function saveHistory(env: TestWorkflowEnvironment, client: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.UPDATE_HISTORIES !== '1') return;
  await settle(env, client, [workflowId]);
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const object = temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, {
    enums: String,
    longs: String,
    bytes: String,
  });
  await writeFile(path.join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify(object, null, 1)}\n`);
}

export function loadHistory(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
}
