const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/** Fields shared by Subscription, OrderSubscription and CustomerStateSubscription. */
export function subscriptionFields(s: any): Record<string, unknown> {
  return {
    created_at: iso(s.created_at),
    modified_at: iso(s.modified_at),
    id: s.id,
    amount: s.amount,
    currency: s.currency,
    recurring_interval: s.recurring_interval,
    recurring_interval_count: s.recurring_interval_count,
    status: s.status,
    current_period_start: iso(s.current_period_start),
    current_period_end: iso(s.current_period_end),
    current_meter_period_start: null,
    current_meter_period_end: null,
    trial_start: null,
    trial_end: null,
    cancel_at_period_end: s.cancel_at_period_end,
    canceled_at: iso(s.canceled_at),
    started_at: iso(s.started_at),
    ends_at: iso(s.ends_at),
    ended_at: iso(s.ended_at),
    past_due_at: iso(s.past_due_at),
    pause_at_period_end: false,
    paused_at: null,
    resumes_at: null,
    customer_id: s.customer_id,
    product_id: s.product_id,
    discount_id: null,
    checkout_id: null,
    seats: null,
    customer_cancellation_reason: s.customer_cancellation_reason ?? null,
    customer_cancellation_comment: s.customer_cancellation_comment ?? null,
    metadata: s.metadata ?? {},
    custom_field_data: {},
  };
}

/** Polar's Subscription: `customer` and `product` already serialized by their own serializers. */
export function serializeSubscription(s: any, customer: unknown, product: any, meters: unknown[] = []): Record<string, unknown> {
  return {
    ...subscriptionFields(s),
    customer,
    product,
    discount: null,
    prices: product?.prices ?? [],
    meters,
    pending_update: null,
  };
}
