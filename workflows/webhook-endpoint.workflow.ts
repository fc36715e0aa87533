// One workflow per webhook endpoint delivers its events in order: an event is retried (2 s
// doubling to 20 min, 10 attempts, every attempt recorded) before the next one is sent.
import { condition, continueAsNew, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { EngineActivities } from '../activities/activity-types';
import { webhookEndpointKickSignal } from './definitions';

const acts = proxyActivities<EngineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
// One HTTP attempt per activity call: the workflow owns the retry schedule so each is recorded.
const { deliverWebhook } = proxyActivities<EngineActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

export const MAX_ATTEMPTS = 10;
const EVENTS_PER_RUN = 200;
const IDLE_RECHECK = '1 hour';

export function retryDelayMs(attempt: number): number {
  return Math.min(2_000 * 2 ** (attempt - 1), 20 * 60_000);
}

export async function webhookEndpointWorkflow(input: { endpointId: string }): Promise<void> {
  let kicked = false;
  setHandler(webhookEndpointKickSignal, () => void (kicked = true));
  for (let handled = 0; handled < EVENTS_PER_RUN; ) {
    kicked = false;
    const next = await acts.nextWebhookEvent({ endpointId: input.endpointId });
    if (!next) {
      // Idle: wake on a kick, or recheck now and then in case a kick was lost.
      await condition(() => kicked, IDLE_RECHECK);
      if (!kicked) return;
      continue;
    }
    let succeeded = false;
    for (let attempt = next.attempts + 1; attempt <= MAX_ATTEMPTS && !succeeded; attempt++) {
      ({ succeeded } = await deliverWebhook({ eventId: next.eventId, attempt }));
      if (!succeeded && attempt < MAX_ATTEMPTS) await sleep(retryDelayMs(attempt));
    }
    const { endpointDisabled } = await acts.finishWebhookEvent({ eventId: next.eventId, succeeded });
    handled += 1;
    if (endpointDisabled) return;
  }
  await continueAsNew<typeof webhookEndpointWorkflow>(input);
}
