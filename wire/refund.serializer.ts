import type { RefundRow } from '../db/repositories/refunds.repository';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** Polar's Refund. Disputes happen at the billing system, never here. */
export function serializeRefund(r: RefundRow): Record<string, unknown> {
  return {
    created_at: iso(r.created_at),
    modified_at: iso(r.modified_at),
    id: r.id,
    metadata: r.metadata ?? {},
    status: r.status,
    reason: r.reason,
    amount: r.amount,
    tax_amount: r.tax_amount,
    currency: r.currency,
    organization_id: r.organization_id,
    order_id: r.order_id,
    subscription_id: r.subscription_id,
    customer_id: r.customer_id,
    revoke_benefits: r.revoke_benefits,
    dispute: null,
  };
}
