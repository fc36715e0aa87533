// Builds the worker from its parts. The workflow code is a prebuilt bundle when one is given
// (production, tests) and bundled on start otherwise.
import { NativeConnection, Worker } from '@temporalio/worker';
import type { EngineActivities } from '../activities/activity-types';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: EngineActivities;
  workflowBundlePath?: string;
  maxConcurrentActivities?: number;
  maxConcurrentWorkflowTasks?: number;
  shutdownGraceSeconds?: number;
  maxCachedWorkflows?: number;
  /** Aborted once shutdown has lasted the grace period (pass its signal as EngineDeps.stopping). */
  stopping?: AbortController;
}

/** A worker that tells local activity attempts to let go when its shutdown grace period is over. */
class EngineWorker extends Worker {
  stopping?: { controller: AbortController; graceMs: number };

  override shutdown(): void {
    super.shutdown();
    const stopping = this.stopping;
    if (stopping) setTimeout(() => stopping.controller.abort(new Error('worker shutting down')), stopping.graceMs).unref();
  }
}

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  const graceSeconds = opts.shutdownGraceSeconds ?? 30;
  const worker = await EngineWorker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows') }),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 100,
    maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTasks ?? 100,
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    // A grant is mostly one workflow task, taken from the task queue itself; the SDK's default
    // (10 pollers, 1 in 6 on the task queue, the rest on this worker's sticky queue) left two
    // polls for new grants, and a purchase burst starved: 0.8 workflow tasks/s dispatched with
    // thousands queued and the worker idle. Half and half, and more polls, drains the queue.
    // SDK 1.24 reads the poller count only from workflowTaskPollerBehavior (it ignores
    // maxConcurrentWorkflowTaskPolls, which left 10 pollers).
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 20 },
    nonStickyToStickyPollRatio: 1,
    // Grants run their work as local activities; the activity task queue carries the rarer
    // remote activities (webhook deliveries, provider calls), so a few polls are enough.
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 5 },
    // On SIGTERM running activities get this long to finish before they are cancelled.
    shutdownGraceTime: `${graceSeconds}s`,
    // An activity that ignores cancellation (a hung provider call) cannot hold shutdown forever;
    // Temporal retries it on another worker.
    shutdownForceTime: `${graceSeconds + 15}s`,
  });
  if (opts.stopping) (worker as EngineWorker).stopping = { controller: opts.stopping, graceMs: graceSeconds * 1000 };
  return worker;
}
