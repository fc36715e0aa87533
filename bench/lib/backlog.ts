// The engine's task queue backlog as Temporal reports it: when grants lag, this says whether the
// work waits in Temporal (tasks queued faster than dispatched) or somewhere else.
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';

const TYPES = [
  ['workflow', 1],
  ['activity', 2],
] as const;

/** "workflow tasks: backlog 21674 (oldest 11.9 min), in 23.5/s, out 9.6/s; activity tasks: ..." */
export async function describeBacklog(client: Client, taskQueue: string): Promise<string> {
  const parts = await Promise.all(
    TYPES.map(async ([name, type]) => {
      const res = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: type,
        reportStats: true,
      });
      const stats = res.stats;
      if (!stats) return `${name} tasks: no stats`;
      const ageMs = stats.approximateBacklogAge ? tsToMs(stats.approximateBacklogAge) : 0;
      const age = ageMs >= 60_000 ? `${(ageMs / 60_000).toFixed(1)} min` : `${(ageMs / 1000).toFixed(1)} s`;
      return (
        `${name} tasks: backlog ${Number(stats.approximateBacklogCount ?? 0)} (oldest ${age}), ` +
        `in ${(stats.tasksAddRate ?? 0).toFixed(1)}/s, out ${(stats.tasksDispatchRate ?? 0).toFixed(1)}/s`
      );
    }),
  );
  return parts.join('; ');
}
