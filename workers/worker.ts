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
}

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
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
    // On SIGTERM running activities get this long to finish before they are cancelled.
    shutdownGraceTime: `${opts.shutdownGraceSeconds ?? 30}s`,
    // An activity that ignores cancellation (a hung provider call) cannot hold shutdown forever;
    // Temporal retries it on another worker.
    shutdownForceTime: `${(opts.shutdownGraceSeconds ?? 30) + 15}s`,
  });
}
