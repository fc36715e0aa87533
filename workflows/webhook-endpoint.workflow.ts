// One workflow per webhook endpoint delivers its events in order: an event is retried (2 s
// doubling to 20 min, 10 attempts, every attempt recorded) before the next one is sent.
import { condition, continueAsNew, proxyLocalActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { EngineActivities } from '../activities/activity-types';
import { webhookEndpointKickSignal } from './definitions';

// Local activities: events of an endpoint go out one after the other, so the per-event overhead
// is the endpoint's throughput, and a task queue round trip per call cost more than the calls
// (short database work, one HTTP request bounded by the 10 s delivery timeout).
const acts = proxyLocalActivities<EngineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
// One HTTP attempt per activity call: the workflow owns the retry schedule so each is recorded.
// Retried only when recording the attempt failed (the request itself never throws).
const { deliverWebhook } = proxyLocalActivities<EngineActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

export const MAX_ATTEMPTS = 10;
const EVENTS_PER_RUN = 200;
const IDLE_RECHECK = '1 hour';

/** The wait after failed attempt `attempt` (1-based): 2 s, 4 s, 8 s, ... at most 20 min. */
export function retryDelayMs(attempt: number): number {
  return Math.min(2_000 * 2 ** (attempt - 1), 20 * 60_000);
}

/**
 * Attempts one event until it succeeds or runs out of attempts. Null when it stopped being the
 * endpoint's next event while waiting (endpoint disabled or deleted, event skipped): not settled.
 */
async function deliverEvent(endpointId: string, eventId: string, done: number): Promise<boolean | null> {
  for (let attempt = done + 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (attempt > done + 1) {
      const head = await acts.nextWebhookEvent({ endpointId });
      if (head?.eventId !== eventId) return null;
    }
    const { succeeded, refused } = await deliverWebhook({ eventId, attempt });
    if (succeeded) return true;
    // A destination the network policy refuses stays refused: the event fails now.
    if (refused) return false;
    if (attempt < MAX_ATTEMPTS) await sleep(retryDelayMs(attempt));
  }
  return false;
}

export async function webhookEndpointWorkflow(input: { endpointId: string }): Promise<void> {
  let kicked = false;
  let quiet = false;
  setHandler(webhookEndpointKickSignal, () => void (kicked = true));
  for (let handled = 0; handled < EVENTS_PER_RUN && !workflowInfo().continueAsNewSuggested;) {
    kicked = false;
    const next = await acts.nextWebhookEvent({ endpointId: input.endpointId });
    if (!next) {
      // Idle: wake on a kick; after a quiet hour look once more (a kick may have been lost), then end.
      if (quiet) return;
      quiet = !(await condition(() => kicked, IDLE_RECHECK));
      continue;
    }
    quiet = false;
    const succeeded = await deliverEvent(input.endpointId, next.eventId, next.attempts);
    handled += 1;
    if (succeeded === null) continue;
    const { endpointDisabled } = await acts.finishWebhookEvent({ eventId: next.eventId, succeeded });
    if (endpointDisabled) return;
  }
  await continueAsNew<typeof webhookEndpointWorkflow>(input);
}
