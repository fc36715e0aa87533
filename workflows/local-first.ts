// Local first, durable after: the common case (the provider answers at once) costs a workflow one
// task, because a local activity runs inside the workflow task that asked for it and its result is
// recorded in that task's completion. A regular activity costs a second task, an activity task and
// their history events: on this project's 2-core machines that halved grant throughput.
//
// A failed local attempt falls back to the same activity as a regular one with its full retry
// policy, after the wait the failure asked for (a provider's retry-after), so outages are retried by
// the server on any worker rather than by a workflow task held open on one. Activities are
// idempotent (DESIGN: every activity is safe to run twice), so the repeat after a lost local attempt
// (a worker gone mid-call) is harmless.
import { ActivityFailure, ApplicationFailure, CancellationScope, sleep } from '@temporalio/workflow';

const FALLBACK_WAIT_MS = 1_000;

/** `local` once (a local activity with one attempt), then `durable` (the same regular activity). */
export function localFirst<A extends unknown[], R>(local: (...args: A) => Promise<R>, durable: (...args: A) => Promise<R>) {
  // A plain .catch rather than an async function: each promise a workflow makes costs the SDK a
  // captured stack, and this runs for every grant command.
  return (...args: A): Promise<R> =>
    local(...args).catch(async (err: unknown) => {
      // Failures that a retry cannot fix, and the workflow's own cancellation, end here as they
      // would have with a regular activity.
      if (CancellationScope.current().consideredCancelled) throw err;
      const failure = err instanceof ActivityFailure ? err.cause : err;
      if (failure instanceof ApplicationFailure && failure.nonRetryable) throw err;
      await sleep(retryAfterMs(failure) ?? FALLBACK_WAIT_MS);
      return durable(...args);
    });
}

/** The wait a failed attempt asked for: activities put a provider's retry-after in the details. */
function retryAfterMs(failure: unknown): number | null {
  if (!(failure instanceof ApplicationFailure)) return null;
  const detail = failure.details?.[0] as { retryAfterMs?: unknown } | undefined;
  return typeof detail?.retryAfterMs === 'number' && detail.retryAfterMs > 0 ? detail.retryAfterMs : null;
}
