// Request shapes for webhook endpoints and deliveries (Polar 2026-10 WebhookEndpointCreate/Update).
import { z } from 'zod';
import { paginationQuery } from '../pagination';
import { multi, queryBool, safeString, TEXT_LIMITS, uuid } from '../validation';

/** Polar's WebhookEventType enum, whole: endpoints may subscribe to events we do not emit (yet). */
export const WEBHOOK_EVENT_TYPES = [
  'checkout.created',
  'checkout.updated',
  'checkout.expired',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.state_changed',
  'customer_seat.assigned',
  'customer_seat.claimed',
  'customer_seat.revoked',
  'member.created',
  'member.updated',
  'member.deleted',
  'order.created',
  'order.updated',
  'order.paid',
  'order.refunded',
  'subscription.created',
  'subscription.updated',
  'subscription.active',
  'subscription.canceled',
  'subscription.uncanceled',
  'subscription.cycled',
  'subscription.revoked',
  'subscription.past_due',
  'subscription.paused',
  'subscription.resumed',
  'refund.created',
  'refund.updated',
  'product.created',
  'product.updated',
  'discount.created',
  'discount.updated',
  'discount.deleted',
  'benefit.created',
  'benefit.updated',
  'benefit_grant.created',
  'benefit_grant.cycled',
  'benefit_grant.updated',
  'benefit_grant.revoked',
  'organization.updated',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_FORMATS = ['raw', 'discord', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/**
 * Any http(s) URL. Polar insists on https; a self-hosted service often delivers to a receiver on
 * the same host or private network (http://localhost:3000/hooks), so plain http is allowed too.
 */
const endpointUrl = safeString(2083)
  .min(1)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'Input should be a valid URL with an http or https scheme');

const eventType = z.enum(WEBHOOK_EVENT_TYPES);
const events = z.array(eventType).transform((list) => [...new Set(list)]);

export const webhookEndpointCreateSchema = z.object({
  url: endpointUrl,
  name: safeString(256).nullable().optional(),
  format: z.enum(WEBHOOK_FORMATS),
  events,
  organization_id: uuid.nullable().optional(),
  // Not in Polar's 2026-10 contract: lets a migration keep an existing Standard Webhooks secret.
  secret: safeString(256).min(16).optional(),
});
export type WebhookEndpointCreateInput = z.infer<typeof webhookEndpointCreateSchema>;

export const webhookEndpointUpdateSchema = z.object({
  url: endpointUrl.nullable().optional(),
  name: safeString(256).nullable().optional(),
  format: z.enum(WEBHOOK_FORMATS).nullable().optional(),
  events: events.nullable().optional(),
  enabled: z.boolean().nullable().optional(),
});
export type WebhookEndpointUpdateInput = z.infer<typeof webhookEndpointUpdateSchema>;

export const webhookEndpointListQuery = z.object({ ...paginationQuery, organization_id: multi(uuid) });

/**
 * A delivery-list bound, sent to PostgreSQL as UTC: PostgreSQL refuses offsets beyond 15:59 and the
 * year 0 that the ISO pattern lets through, so such an input would otherwise answer 500. One
 * without offset is read as UTC.
 */
const timestampBound = z.iso
  .datetime({ offset: true, local: true })
  .transform((s) => new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s}Z`))
  .refine((d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999, 'Input should be a valid datetime')
  .transform((d) => d.toISOString());

export const webhookDeliveryListQuery = z.object({
  ...paginationQuery,
  endpoint_id: multi(uuid),
  start_timestamp: timestampBound.optional(),
  end_timestamp: timestampBound.optional(),
  succeeded: queryBool.optional(),
  query: safeString(TEXT_LIMITS.short).optional(),
  http_code_class: z.enum(['2xx', '3xx', '4xx', '5xx']).optional(),
  event_type: multi(eventType),
});
export type WebhookDeliveryListQuery = z.infer<typeof webhookDeliveryListQuery>;
