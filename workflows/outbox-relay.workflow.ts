// Safety net for the API's write order (row first, then engine call): engine commands the API
// could not dispatch (Temporal unreachable, a crash) and orders or subscriptions whose workflow
// start was lost are dispatched here, a bounded, ordered batch per pass (activities/outbox.activities.ts).
import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { EngineActivities } from '../activities/activity-types';

// A pass whose worker or Temporal server died mid-way (its completion lost) must be retried in
// seconds, not when a long start-to-close runs out: the pass heartbeats per row, so a silent one
// is given up on after the heartbeat timeout. Passes are idempotent, so a retry is harmless.
const { startMissingWorkflows } = proxyActivities<EngineActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '20 seconds' });

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
