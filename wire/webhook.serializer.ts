// Webhook rows -> Polar 2026-10 WebhookEndpoint / WebhookDelivery (with its WebhookEvent).
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../db/repositories/webhook-endpoints.repository';
import { isoDate } from './customer.serializer';

export function serializeWebhookEndpoint(row: WebhookEndpointRow): Record<string, unknown> {
  return {
    created_at: isoDate(row.created_at),
    modified_at: isoDate(row.modified_at),
    id: row.id,
    url: row.url,
    name: row.name ?? null,
    format: row.format,
    secret: row.secret,
    organization_id: row.organization_id,
    events: row.events ?? [],
    enabled: row.enabled,
  };
}

export function serializeWebhookDelivery(row: WebhookDeliveryRow): Record<string, unknown> {
  return {
    created_at: isoDate(row.created_at),
    modified_at: isoDate(row.modified_at),
    id: row.id,
    succeeded: row.succeeded,
    http_code: row.http_code ?? null,
    response: row.response ?? null,
    webhook_event: {
      created_at: isoDate(row.event_created_at),
      modified_at: isoDate(row.event_modified_at),
      id: row.event_id,
      last_http_code: row.event_last_http_code ?? null,
      succeeded: row.event_succeeded ?? null,
      skipped: row.event_skipped,
      payload: row.event_payload ?? null,
      type: row.event_type,
      // Events are never archived here: payloads are kept for as long as the event row exists.
      is_archived: false,
    },
  };
}
