import { z } from 'zod';
import { paginationQuery } from '../pagination';
import { int32, metadataInput, multi, queryBool, safeString, TEXT_LIMITS, uuid } from '../validation';

/** Amounts are stored in `integer` columns. */
const amount = int32().min(0);

/**
 * Polar's OrderCreate plus our extension for billing that happens elsewhere: `subscription_id`
 * with `billing_reason: "subscription_cycle"` records a renewal, and amounts may be reported.
 */
export const orderCreateBody = z.object({
  customer_id: uuid,
  product_id: uuid,
  organization_id: uuid.nullable().optional(),
  subscription_id: uuid.nullable().optional(),
  billing_reason: z.enum(['purchase', 'subscription_cycle']).optional(),
  amount: amount.optional(),
  tax_amount: amount.optional(),
  discount_amount: amount.optional(),
  currency: z
    .string()
    .regex(/^[a-z]{3}$/, 'Three-letter lowercase ISO currency')
    .optional(),
  metadata: metadataInput.optional(),
  custom_field_data: z.record(safeString(TEXT_LIMITS.short), z.unknown()).optional(),
});

export const orderListQuery = z.object({
  ...paginationQuery,
  product_id: multi(uuid),
  customer_id: multi(uuid),
  subscription_id: multi(uuid),
  organization_id: multi(uuid),
  sorting: z.unknown().optional(),
});

export const orderSortColumns: Record<string, string> = {
  created_at: 'o.created_at',
  status: 'o.status',
  amount: 'o.subtotal_amount',
  net_amount: '(o.subtotal_amount - o.discount_amount)',
  customer: 'o.customer_id',
  product: 'o.product_id',
  subscription: 'o.subscription_id',
};

export const subscriptionCreateBody = z
  .object({
    product_id: uuid,
    customer_id: uuid.optional(),
    external_customer_id: safeString(1024).min(1).optional(),
    metadata: metadataInput.optional(),
    amount: amount.optional(),
    currency: z
      .string()
      .regex(/^[a-z]{3}$/)
      .optional(),
  })
  .refine((b) => b.customer_id || b.external_customer_id, {
    message: 'customer_id or external_customer_id is required',
    path: ['customer_id'],
  });

const cancellationReason = z.enum([
  'customer_service',
  'low_quality',
  'missing_features',
  'switched_service',
  'too_complex',
  'too_expensive',
  'unused',
  'other',
]);

export const subscriptionUpdateBody = z.union([
  z.object({
    cancel_at_period_end: z.boolean(),
    customer_cancellation_reason: cancellationReason.nullable().optional(),
    customer_cancellation_comment: safeString(TEXT_LIMITS.long).nullable().optional(),
  }),
  z.object({
    revoke: z.literal(true),
    customer_cancellation_reason: cancellationReason.nullable().optional(),
    customer_cancellation_comment: safeString(TEXT_LIMITS.long).nullable().optional(),
  }),
  // Extension: the billing system reports a renewal by the new period end.
  z.object({ current_period_end: z.iso.datetime({ offset: true }) }),
]);

export const subscriptionListQuery = z.object({
  ...paginationQuery,
  product_id: multi(uuid),
  customer_id: multi(uuid),
  organization_id: multi(uuid),
  active: queryBool.optional(),
  sorting: z.unknown().optional(),
});

export const subscriptionSortColumns: Record<string, string> = {
  customer: 's.customer_id',
  status: 's.status',
  started_at: 's.started_at',
  current_period_end: 's.current_period_end',
  ended_at: 's.ended_at',
  ends_at: 's.ends_at',
  amount: 's.amount',
  product: 's.product_id',
  created_at: 's.created_at',
};

export const refundCreateBody = z.object({
  order_id: uuid,
  reason: z.enum(['duplicate', 'fraudulent', 'customer_request', 'service_disruption', 'satisfaction_guarantee', 'other']),
  amount: int32().min(1),
  comment: safeString(TEXT_LIMITS.long).nullable().optional(),
  revoke_benefits: z.boolean().optional(),
  metadata: metadataInput.optional(),
});

export const grantListQuery = z.object({
  ...paginationQuery,
  customer_id: multi(uuid),
  external_customer_id: multi(safeString(1024)),
  organization_id: multi(uuid),
  is_granted: queryBool.optional(),
  sorting: z.unknown().optional(),
});

export const grantSortColumns: Record<string, string> = {
  created_at: 'g.created_at',
  granted_at: 'g.granted_at',
  revoked_at: 'g.revoked_at',
};
