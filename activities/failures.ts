// The one place strategy errors become Temporal failures or parked grants.
import { ApplicationFailure } from '@temporalio/common';
import { ActionRequiredError, InvalidConfigurationError, RetriableError } from '../benefits/strategy-errors';

export interface ParkedError {
  type: 'action_required' | 'invalid_configuration';
  message: string;
}

/**
 * Retriable -> a retryable failure honouring the provider's retry-after. Action required and
 * invalid configuration are returned: the grant is stored as failed with the error and waits
 * (for the customer, or for the merchant to fix the benefit) instead of being retried.
 */
export function translateStrategyError(err: unknown): ParkedError {
  if (err instanceof ActionRequiredError) return { type: 'action_required', message: err.message };
  if (err instanceof InvalidConfigurationError) return { type: 'invalid_configuration', message: err.message };
  if (err instanceof RetriableError) {
    throw ApplicationFailure.create({
      message: err.message,
      type: 'RetriableError',
      nonRetryable: false,
      nextRetryDelay: err.retryAfterMs,
      // A local activity's failure reaches the workflow without nextRetryDelay; the workflow reads
      // the wait from here before retrying (workflows/local-first.ts).
      details: [{ retryAfterMs: err.retryAfterMs ?? null }],
    });
  }
  throw err;
}
