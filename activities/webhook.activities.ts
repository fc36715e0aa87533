// Webhook delivery: one signed HTTP attempt per call, recorded as a delivery row.
import { Webhook } from 'standardwebhooks';
import { WebhookEventsRepository } from '../db/repositories/webhook-events.repository';
import { DestinationRefusedError } from '../lib/network-guard';
import { postOutbound } from '../lib/outbound-http';
import { openWith } from '../lib/secret-box';
import type { PendingWebhookEvent, WebhookAttemptResult } from './activity-types';
import type { EngineDeps } from './engine-deps';

export const DISABLE_AFTER_FAILED_EVENTS = 10;
/** How much of a receiver's answer the delivery log keeps (the read itself is capped too). */
const STORED_RESPONSE_CHARS = 2048;
const REFUSED_HINT = '; deliveries to loopback and private networks need WEBHOOK_ALLOW_PRIVATE_NETWORKS=true';

/**
 * Standard Webhooks signature, made by the `standardwebhooks` library that receivers verify with,
 * keyed with the base64 part of a `whsec_` secret. A custom secret that is not base64 is used as
 * its UTF-8 bytes, which the SDK's validateEvent also tries, so every secret an endpoint can hold
 * verifies.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return new Webhook(signingKey(secret), { format: 'raw' }).sign(id, new Date(timestamp * 1000), body);
}

function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  try {
    // atob, not Buffer: it rejects what is not base64 where Buffer silently drops characters.
    const decoded = Buffer.from(atob(encoded), 'latin1');
    if (decoded.length > 0) return decoded;
  } catch {
    // not base64: fall through
  }
  return Buffer.from(secret, 'utf8');
}

/** What the delivery log shows for a request that got no answer ("fetch failed" alone says nothing). */
function describeFailure(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e?.message} (${cause})` : String(e?.message ?? err);
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
      // Gone, settled, skipped or its endpoint disabled meanwhile: nothing to send.
      if (!found || found.event.succeeded !== null || found.event.skipped || !found.endpoint.enabled) {
        return { succeeded: false, httpCode: null };
      }
      const { event, endpoint } = found;
      const timestamp = Math.floor(Date.now() / 1000);
      const started = Date.now();
      const secret = openWith(deps.secretBox ?? null, endpoint.secret, 'webhook-endpoint-secret');
      let httpCode: number | null = null;
      let response: string | null = null;
      let refused = false;
      try {
        const res = await (deps.webhookTransport ?? postOutbound)(endpoint.url, {
          headers: {
            'content-type': 'application/json',
            'user-agent': 'benefits-fulfilment-webhooks',
            'webhook-id': event.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(secret, event.id, timestamp, event.payload),
          },
          body: event.payload,
          timeoutMs: deps.webhookTimeoutMs,
          allowPrivateNetworks: deps.webhookAllowPrivateNetworks,
        });
        httpCode = res.status;
        response = res.body.slice(0, STORED_RESPONSE_CHARS);
      } catch (err) {
        refused = err instanceof DestinationRefusedError;
        response = refused ? `refused: ${(err as Error).message}${REFUSED_HINT}` : `request failed: ${describeFailure(err)}`;
      }
      const succeeded = httpCode !== null && httpCode >= 200 && httpCode < 300;
      await events.recordDelivery(event, input.attempt, { succeeded, httpCode, response, durationMs: Date.now() - started });
      return refused ? { succeeded, httpCode, refused } : { succeeded, httpCode };
    },

    async finishWebhookEvent(input: { eventId: string; succeeded: boolean }): Promise<{ endpointDisabled: boolean }> {
      return { endpointDisabled: await events.finish(input.eventId, input.succeeded, DISABLE_AFTER_FAILED_EVENTS) };
    },
  };
}
