import { subscriptionFields } from './subscription.serializer';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/** Polar's Order. Billing happens outside us, so amounts are what the billing system reported. */
export function serializeOrder(o: any, customer: any, product: any | null, subscription: any | null): Record<string, unknown> {
  const net = o.subtotal_amount - o.discount_amount;
  const total = net + o.tax_amount;
  return {
    id: o.id,
    created_at: iso(o.created_at),
    modified_at: iso(o.modified_at),
    status: o.status,
    paid: o.status === 'paid' || o.status === 'refunded' || o.status === 'partially_refunded',
    subtotal_amount: o.subtotal_amount,
    discount_amount: o.discount_amount,
    net_amount: net,
    tax_amount: o.tax_amount,
    total_amount: total,
    applied_balance_amount: 0,
    due_amount: 0,
    refunded_amount: o.refunded_amount,
    refunded_tax_amount: 0,
    currency: o.currency,
    billing_reason: o.billing_reason,
    billing_name: customer?.name ?? null,
    billing_address: customer?.billing_address ?? null,
    invoice_number: null,
    is_invoice_generated: false,
    receipt_number: null,
    seats: null,
    customer_id: o.customer_id,
    product_id: o.product_id,
    discount_id: null,
    subscription_id: o.subscription_id,
    checkout_id: null,
    next_payment_attempt_at: null,
    metadata: o.metadata ?? {},
    custom_field_data: {},
    platform_fee_amount: 0,
    platform_fee_currency: null,
    customer,
    product,
    discount: null,
    subscription: subscription ? subscriptionFields(subscription) : null,
    items: [
      {
        created_at: iso(o.created_at),
        modified_at: null,
        id: o.id,
        label: product?.name ?? 'Order',
        amount: o.subtotal_amount,
        tax_amount: o.tax_amount,
        proration: false,
        product_price_id: null,
      },
    ],
    description: product?.name ?? 'Order',
    refundable_amount: Math.max(net - o.refunded_amount, 0),
    refundable_tax_amount: 0,
  };
}
