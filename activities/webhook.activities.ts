// Webhook delivery: one signed HTTP attempt per call, recorded as a delivery row.
import { createHmac } from 'node:crypto';
import { WebhookEventsRepository } from '../db/repositories/webhook-events.repository';
import type { PendingWebhookEvent, WebhookAttemptResult } from './activity-types';
import type { EngineDeps } from './engine-deps';

export const DISABLE_AFTER_FAILED_EVENTS = 10;

/** Standard Webhooks signature: HMAC-SHA256 over `id.timestamp.body` with the decoded secret. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export function webhookActivities(deps: EngineDeps) {
  const events = new WebhookEventsRepository(deps.dataSource);

  return {
    async nextWebhookEvent(input: { endpointId: string }): Promise<PendingWebhookEvent | null> {
      const next = await events.nextPending(input.endpointId);
      return next ? { eventId: next.id, attempts: next.attempts } : null;
    },

    async deliverWebhook(input: { eventId: string; attempt: number }): Promise<WebhookAttemptResult> {
      const found = await events.eventWithEndpoint(input.eventId);
      if (!found) return { succeeded: false, httpCode: null };
      const { event, endpoint } = found;
      const timestamp = Math.floor(Date.now() / 1000);
      const started = Date.now();
      let httpCode: number | null = null;
      let response: string | null = null;
      try {
        const res = await deps.fetch(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'benefits-fulfilment-webhooks',
            'webhook-id': event.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(endpoint.secret, event.id, timestamp, event.payload),
          },
          body: event.payload,
          signal: AbortSignal.timeout(deps.webhookTimeoutMs),
          redirect: 'manual',
        });
        httpCode = res.status;
        response = (await res.text().catch(() => '')).slice(0, 2048);
      } catch (err) {
        response = `request failed: ${(err as Error)?.name === 'TimeoutError' ? 'timed out' : (err as Error)?.message}`;
      }
      const succeeded = httpCode !== null && httpCode >= 200 && httpCode < 300;
      await events.recordDelivery(event, input.attempt, { succeeded, httpCode, response, durationMs: Date.now() - started });
      return { succeeded, httpCode };
    },

    async finishWebhookEvent(input: { eventId: string; succeeded: boolean }): Promise<{ endpointDisabled: boolean }> {
      return { endpointDisabled: await events.finish(input.eventId, input.succeeded, DISABLE_AFTER_FAILED_EVENTS) };
    },
  };
}
