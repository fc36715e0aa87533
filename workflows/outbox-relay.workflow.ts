// Safety net for the API's write order (row first, then workflow start): any order or
// subscription whose workflow start was lost to a crash is started here.
import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { EngineActivities } from '../activities/activity-types';

const { startMissingWorkflows } = proxyActivities<EngineActivities>({ startToCloseTimeout: '5 minutes' });

export async function outboxRelayWorkflow(input: { intervalSeconds: number; olderThanSeconds: number }): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await startMissingWorkflows({ olderThanSeconds: input.olderThanSeconds });
    await sleep(input.intervalSeconds * 1000);
  }
  await continueAsNew<typeof outboxRelayWorkflow>(input);
}
