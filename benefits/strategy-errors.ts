// The three ways a provider call can fail; translated into Temporal failures in one place
// (activities/failures.ts).

/** Worth retrying: rate limits (with the provider's retry-after), 5xx, network errors. */
export { RetriableError } from '../lib/retriable-error';

/** Only the customer can fix it (link an account, accept an invite): park the grant, don't retry. */
export class ActionRequiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionRequiredError';
  }
}

/** The benefit's configuration cannot work (unknown role, unreachable repository): never retry. */
export class InvalidConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidConfigurationError';
  }
}
