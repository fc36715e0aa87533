// Safety net for the API's write order (row first, then engine call): engine commands the API
// could not dispatch (Temporal unreachable, a crash) and orders or subscriptions whose workflow
// start was lost are dispatched here, a bounded, ordered batch per pass (activities/outbox.activities.ts).
import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { EngineActivities } from '../activities/activity-types';

const { startMissingWorkflows } = proxyActivities<EngineActivities>({ startToCloseTimeout: '5 minutes' });

export interface OutboxRelayInput {
  intervalSeconds: number;
  olderThanSeconds: number;
  /** Stop after this many passes (tests); runs forever otherwise. */
  iterations?: number;
}

export async function outboxRelayWorkflow(input: OutboxRelayInput): Promise<void> {
  const passes = Math.min(input.iterations ?? Infinity, 200);
  for (let i = 0; i < passes; i++) {
    await startMissingWorkflows({ olderThanSeconds: input.olderThanSeconds });
    if (i + 1 < passes) await sleep(input.intervalSeconds * 1000);
  }
  if (input.iterations !== undefined) return;
  await continueAsNew<typeof outboxRelayWorkflow>(input);
}
