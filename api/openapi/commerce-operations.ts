// What the billing system records, in /openapi.json: orders, refunds and subscriptions (Polar's
// contract; extensions marked).
import {
  orderCreateBody,
  orderListQuery,
  refundCreateBody,
  subscriptionCreateBody,
  subscriptionListQuery,
  subscriptionUpdateBody,
} from '../schemas/commerce.schemas';
import { refundListQuery } from '../schemas/refunds.schemas';
import { listOf, type Operation } from './operation';

export const commerceOperations: Operation[] = [
  {
    method: 'post',
    path: '/v1/orders/',
    summary: 'Record a paid order (purchase or renewal)',
    tag: 'orders',
    body: orderCreateBody,
    response: 'Order',
    status: 201,
    extension:
      'Billing happens outside this service: the billing system records paid orders here. `subscription_id` with `billing_reason: "subscription_cycle"` records a renewal; `amount`, `tax_amount`, `discount_amount` and `currency` report what was charged. An `Idempotency-Key` header makes a retried call return the same order (200) and grant nothing twice.',
  },
  { method: 'get', path: '/v1/orders/', summary: 'List orders', tag: 'orders', query: orderListQuery, response: listOf('Order') },
  { method: 'get', path: '/v1/orders/{id}', summary: 'Get order', tag: 'orders', response: 'Order' },
  {
    method: 'post',
    path: '/v1/refunds/',
    summary: 'Record a refund',
    tag: 'refunds',
    body: refundCreateBody,
    response: 'Refund',
    status: 201,
    extension:
      'A refund is recorded once: a retry with the same `Idempotency-Key` (or, without one, the identical request) answers 201 with the refund already recorded. Give distinct keys to record two identical partial refunds. A key reused for a different request answers 422.',
  },
  { method: 'get', path: '/v1/refunds/', summary: 'List refunds', tag: 'refunds', query: refundListQuery, response: listOf('Refund') },
  {
    method: 'post',
    path: '/v1/subscriptions/',
    summary: 'Record a subscription',
    tag: 'subscriptions',
    body: subscriptionCreateBody,
    response: 'Subscription',
    status: 201,
    extension:
      'Paid products are allowed: billing is external. The current period follows the product interval. `Idempotency-Key` is honoured.',
  },
  {
    method: 'get',
    path: '/v1/subscriptions/',
    summary: 'List subscriptions',
    tag: 'subscriptions',
    query: subscriptionListQuery,
    response: listOf('Subscription'),
  },
  { method: 'get', path: '/v1/subscriptions/{id}', summary: 'Get subscription', tag: 'subscriptions', response: 'Subscription' },
  {
    method: 'patch',
    path: '/v1/subscriptions/{id}',
    summary: 'Cancel at period end, uncancel, revoke, or report a renewal',
    tag: 'subscriptions',
    body: subscriptionUpdateBody,
    response: 'Subscription',
    extension: '`{"current_period_end": "<date-time>"}` reports a renewal without an order.',
  },
  { method: 'delete', path: '/v1/subscriptions/{id}', summary: 'Revoke subscription now', tag: 'subscriptions', response: 'Subscription' },
];
