// A provider call worth retrying: rate limits (with the provider's wait), 5xx, network errors.
// Here rather than in benefits/ so provider clients (integrations/) can throw it without
// depending on benefits/, which builds them.
export class RetriableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetriableError';
  }
}
