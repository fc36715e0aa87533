// Orders, renewals, subscriptions and refunds reported by the merchant's billing system. A request
// answers once its rows have committed: an order or subscription row is itself the record of the
// workflows it needs (a purchase's grant workflows, a renewal's signal, a subscription's workflow),
// and its commit wakes the worker's dispatcher, which starts them (engine/pending-work-dispatcher.ts).
// Other changes record engine commands in their own transaction (EngineDispatcher).
import { createHash, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { CustomersRepository, type CustomerRow } from '../../db/repositories/customers.repository';
import { ProductsRepository } from '../../db/repositories/products.repository';
import { OrderRow, OrdersRepository } from '../../db/repositories/orders.repository';
import { enqueueCustomerStateEvent } from '../../db/repositories/customer-state-events';
import { RefundRow, RefundsRepository } from '../../db/repositories/refunds.repository';
import { addInterval, SubscriptionRow, SubscriptionsRepository } from '../../db/repositories/subscriptions.repository';
import { WebhookEventsRepository } from '../../db/repositories/webhook-events.repository';
import { ApiError, BadRequestError, NotFoundError, RequestValidationError } from '../errors';
import { serializeCustomerState } from '../../wire/customer.serializer';
import { serializeRefund } from '../../wire/refund.serializer';
import { orderView, purchaseView, subscriptionView } from '../../wire/commerce.views';
import type { EngineDispatcher } from './engine-dispatcher';

export interface OrderInput {
  customer_id: string;
  product_id: string;
  subscription_id?: string | null;
  billing_reason?: 'purchase' | 'subscription_cycle';
  amount?: number;
  tax_amount?: number;
  discount_amount?: number;
  currency?: string;
  metadata?: Record<string, unknown>;
}

export interface RefundInput {
  order_id: string;
  reason: string;
  amount: number;
  comment?: string | null;
  revoke_benefits?: boolean;
  metadata?: Record<string, unknown>;
}

export class CommerceService {
  private readonly orders: OrdersRepository;
  private readonly products: ProductsRepository;
  private readonly customers: CustomersRepository;
  private readonly subscriptions: SubscriptionsRepository;
  private readonly webhookEvents: WebhookEventsRepository;
  private readonly refunds: RefundsRepository;

  constructor(
    private readonly ds: DataSource,
    private readonly dispatcher: EngineDispatcher,
  ) {
    this.orders = new OrdersRepository(ds);
    this.products = new ProductsRepository(ds);
    this.customers = new CustomersRepository(ds);
    this.subscriptions = new SubscriptionsRepository(ds);
    this.webhookEvents = new WebhookEventsRepository(ds);
    this.refunds = new RefundsRepository(ds);
  }

  async recordOrder(orgId: string, input: OrderInput, idempotencyKey: string | null): Promise<{ order: unknown; created: boolean }> {
    const renewal = input.billing_reason === 'subscription_cycle' || !!input.subscription_id;
    if (renewal && !input.subscription_id)
      throw RequestValidationError.at(['body', 'subscription_id'], 'Field required for a subscription_cycle order', 'missing');
    return renewal ? this.recordRenewal(orgId, input, idempotencyKey) : this.recordPurchase(orgId, input, idempotencyKey);
  }

  /**
   * A purchase is the busiest write: its product, benefits and customer are read side by side, the
   * response is built from the row about to be written (id and created_at chosen here, as Polar's
   * application does), and the row, its webhook events and the dispatcher's wake-up are written by
   * one statement. Three reads in parallel and one write, instead of seven round trips in turn.
   */
  private async recordPurchase(orgId: string, input: OrderInput, idempotencyKey: string | null) {
    const [product, customer, benefits] = await settledInOrder([
      this.product(orgId, input.product_id, ['body', 'product_id']),
      this.customer(orgId, input.customer_id),
      this.products.liveBenefits(input.product_id),
    ]);
    if (product.recurring_interval) {
      throw RequestValidationError.at(
        ['body', 'product_id'],
        'Recurring products are sold through POST /v1/subscriptions/; renewals need subscription_id',
      );
    }
    const row: OrderRow = {
      id: randomUUID(),
      created_at: new Date(),
      modified_at: null,
      organization_id: orgId,
      customer_id: input.customer_id,
      product_id: input.product_id,
      subscription_id: null,
      status: 'paid',
      billing_reason: 'purchase',
      subtotal_amount: input.amount ?? priceOf(product),
      discount_amount: input.discount_amount ?? 0,
      tax_amount: input.tax_amount ?? 0,
      refunded_amount: 0,
      currency: input.currency ?? 'usd',
      metadata: input.metadata ?? {},
      idempotency_key: idempotencyKey,
      workflow_started_at: null,
    };
    const view = purchaseView(row, product, customer, benefits);
    const res = await this.orders.insertPurchase(row, this.dispatcher.taskQueue, [
      { type: 'order.created', data: view },
      { type: 'order.paid', data: view },
    ]);
    return { order: res.created ? view : await orderView(this.ds, orgId, res.row.id), created: res.created };
  }

  /** A renewal moves its subscription on in the order's transaction. */
  private async recordRenewal(orgId: string, input: OrderInput, idempotencyKey: string | null) {
    const product = await this.product(orgId, input.product_id, ['body', 'product_id']);
    await this.customer(orgId, input.customer_id);
    const { row, created, view } = await this.ds.transaction(async (em) => {
      const sub = await this.subscriptions.findById(orgId, input.subscription_id!, em, true);
      if (!sub) throw RequestValidationError.at(['body', 'subscription_id'], 'Subscription not found');
      if (sub.customer_id !== input.customer_id || sub.product_id !== input.product_id) {
        throw RequestValidationError.at(['body', 'subscription_id'], 'Subscription belongs to another customer or product');
      }
      if (sub.ended_at) throw new BadRequestError('The subscription has ended; create a new one', 'SubscriptionEnded');
      const res = await this.orders.insert(em, {
        organizationId: orgId,
        customerId: input.customer_id,
        productId: input.product_id,
        subscriptionId: sub.id,
        billingReason: 'subscription_cycle',
        subtotalAmount: input.amount ?? priceOf(product),
        discountAmount: input.discount_amount ?? 0,
        taxAmount: input.tax_amount ?? 0,
        currency: input.currency ?? 'usd',
        metadata: input.metadata ?? {},
        idempotencyKey,
        taskQueue: this.dispatcher.taskQueue,
      });
      if (!res.created) return { ...res, view: null };
      await this.advancePeriod(em, sub);
      // What the transaction commits is what the response shows: re-read, as it moved its subscription on.
      const view = await orderView(em, orgId, res.row.id);
      await this.webhookEvents.enqueueAll(em, orgId, [
        { type: 'order.created', data: view },
        { type: 'order.paid', data: view },
      ]);
      return { ...res, view };
    });
    return { order: view ?? (await orderView(this.ds, orgId, row.id)), created };
  }

  async createSubscription(
    orgId: string,
    input: { product_id: string; customer_id: string; metadata?: Record<string, unknown>; amount?: number; currency?: string },
    idempotencyKey: string | null,
  ) {
    const product = await this.product(orgId, input.product_id, ['body', 'product_id']);
    if (!product.recurring_interval)
      throw RequestValidationError.at(['body', 'product_id'], 'Product is not recurring; record a one-time purchase with POST /v1/orders/');
    await this.customer(orgId, input.customer_id);
    const start = new Date();
    const count = product.recurring_interval_count ?? 1;
    const { row, created, view } = await this.ds.transaction(async (em) => {
      const res = await this.subscriptions.insert(em, {
        organizationId: orgId,
        customerId: input.customer_id,
        productId: input.product_id,
        amount: input.amount ?? priceOf(product),
        currency: input.currency ?? 'usd',
        recurringInterval: product.recurring_interval,
        recurringIntervalCount: count,
        currentPeriodStart: start,
        currentPeriodEnd: addInterval(start, product.recurring_interval, count),
        metadata: input.metadata ?? {},
        idempotencyKey,
        taskQueue: this.dispatcher.taskQueue,
      });
      if (!res.created) return { ...res, view: null };
      const view = await subscriptionView(em, orgId, res.row.id);
      await this.webhookEvents.enqueueAll(em, orgId, [
        { type: 'subscription.created', data: view },
        { type: 'subscription.active', data: view },
      ]);
      await enqueueCustomerStateEvent(em, orgId, input.customer_id, serializeCustomerState);
      return { ...res, view };
    });
    return { subscription: view ?? (await subscriptionView(this.ds, orgId, row.id)), created };
  }

  async cancelAtPeriodEnd(orgId: string, id: string, cancel: boolean, reason?: { reason?: string | null; comment?: string | null }) {
    await this.ds.transaction(async (em) => {
      const sub = await this.liveSubscription(orgId, id, em);
      // Already so (a retried request): nothing changes, no second set of webhooks.
      if (sub.cancel_at_period_end === cancel && reason?.reason === undefined && reason?.comment === undefined) return [];
      const set: Record<string, unknown> = cancel
        ? { cancel_at_period_end: true, canceled_at: new Date(), ends_at: sub.current_period_end }
        : { cancel_at_period_end: false, canceled_at: null, ends_at: null };
      if (reason?.reason !== undefined) set.customer_cancellation_reason = reason.reason;
      if (reason?.comment !== undefined) set.customer_cancellation_comment = reason.comment;
      await this.subscriptions.update(em, id, set);
      const view = await subscriptionView(em, orgId, id);
      const types = ['subscription.updated', cancel ? 'subscription.canceled' : 'subscription.uncanceled'];
      for (const type of types) await this.webhookEvents.enqueue(em, orgId, type, view);
      await enqueueCustomerStateEvent(em, orgId, sub.customer_id, serializeCustomerState);
      return [await this.dispatcher.signalSubscription(em, orgId, id, { kind: 'changed' })];
    });
    await this.dispatcher.kickWebhooks(orgId);
    return subscriptionView(this.ds, orgId, id);
  }

  /** Ends the subscription now; its workflow revokes the benefits and sends the webhooks. */
  async revokeSubscription(orgId: string, id: string) {
    await this.ds.transaction(async (em) => {
      const sub = await this.liveSubscription(orgId, id, em);
      const now = new Date();
      await this.subscriptions.update(em, id, { status: 'canceled', canceled_at: sub.canceled_at ?? now, ends_at: now, ended_at: now });
      return [await this.dispatcher.signalSubscription(em, orgId, id, { kind: 'revokeNow' })];
    });
    return subscriptionView(this.ds, orgId, id);
  }

  /**
   * Renewal without an order (our extension): the billing system reports the new period end. The
   * renewal's id is its period end, so a retried request (same end) changes nothing and a renewal
   * signalled twice is applied once.
   */
  async renewPeriod(orgId: string, id: string, periodEnd: Date) {
    await this.ds.transaction(async (em) => {
      const sub = await this.liveSubscription(orgId, id, em);
      if (periodEnd.getTime() === sub.current_period_end.getTime()) return [];
      if (periodEnd < sub.current_period_end) {
        throw RequestValidationError.at(['body', 'current_period_end'], 'Must be after the current period end');
      }
      await this.subscriptions.update(em, id, { current_period_start: sub.current_period_end, current_period_end: periodEnd });
      return [
        await this.dispatcher.signalSubscription(em, orgId, id, { kind: 'renewed', orderId: `period-end:${periodEnd.toISOString()}` }),
      ];
    });
    return subscriptionView(this.ds, orgId, id);
  }

  /**
   * Records a refund once: the order row is locked while its refundable amount is checked, and a
   * retry (same Idempotency-Key, or without one the identical request) returns the refund already
   * recorded instead of refunding twice.
   */
  async refund(orgId: string, input: RefundInput, idempotencyKey: string | null): Promise<{ refund: RefundRow; created: boolean }> {
    const requestHash = refundRequestHash(input);
    const key = idempotencyKey ?? `request:${requestHash}`;
    // Recorded in the refund's transaction, also on a retry: revoking grants already revoked
    // changes nothing, and a revoke the first attempt never got to send is sent now.
    const revokes = async (em: EntityManager, order: OrderRow, row: RefundRow) =>
      row.revoke_benefits
        ? [
            await this.dispatcher.revokeScope(em, {
              organizationId: orgId,
              customerId: order.customer_id,
              productId: order.product_id,
              orderId: order.id,
            }),
          ]
        : [];
    const { refund, created } = await this.ds.transaction(async (em) => {
      const order = await this.orders.findById(orgId, input.order_id, em, true);
      if (!order) throw RequestValidationError.at(['body', 'order_id'], 'Order not found');
      const existing = await this.refunds.findByIdempotencyKey(em, orgId, key);
      if (existing) return { refund: sameRequest(existing, requestHash), created: false, recorded: await revokes(em, order, existing) };
      if (input.revoke_benefits && order.subscription_id) {
        throw RequestValidationError.at(
          ['body', 'revoke_benefits'],
          'Only one-time orders revoke benefits on refund; revoke the subscription instead',
        );
      }
      const refundable = order.subtotal_amount - order.discount_amount - order.refunded_amount;
      if (refundable <= 0) throw new ApiError(403, 'RefundedAlready', 'Order is already fully refunded');
      if (input.amount > refundable)
        throw RequestValidationError.at(['body', 'amount'], `At most ${refundable} can be refunded`, 'less_than_equal', input.amount);
      const inserted = await this.refunds.insert(em, {
        organizationId: orgId,
        orderId: order.id,
        subscriptionId: order.subscription_id,
        customerId: order.customer_id,
        reason: input.reason,
        amount: input.amount,
        currency: order.currency,
        comment: input.comment ?? null,
        revokeBenefits: input.revoke_benefits ?? false,
        metadata: input.metadata ?? {},
        idempotencyKey: key,
        requestHash,
      });
      // The same key was taken meanwhile by a refund of another order (whose row we did not lock).
      if (!inserted) {
        const taken = sameRequest((await this.refunds.findByIdempotencyKey(em, orgId, key))!, requestHash);
        return { refund: taken, created: false, recorded: [] };
      }
      await this.orders.refund(em, order.id, input.amount, input.amount === refundable);
      await this.webhookEvents.enqueue(em, orgId, 'order.refunded', await orderView(em, orgId, order.id));
      await this.webhookEvents.enqueue(em, orgId, 'refund.created', serializeRefund(inserted));
      return { refund: inserted, created: true, recorded: await revokes(em, order, inserted) };
    });
    await this.dispatcher.kickWebhooks(orgId);
    return { refund, created };
  }

  private async advancePeriod(em: any, sub: SubscriptionRow): Promise<void> {
    const start = sub.current_period_end;
    await this.subscriptions.update(em, sub.id, {
      current_period_start: start,
      current_period_end: addInterval(start, sub.recurring_interval, sub.recurring_interval_count),
    });
  }

  private async liveSubscription(orgId: string, id: string, em: any): Promise<SubscriptionRow> {
    const sub = await this.subscriptions.findById(orgId, id, em, true);
    if (!sub) throw new NotFoundError('Subscription not found');
    if (sub.ended_at) throw new BadRequestError('This subscription has already ended', 'AlreadyCanceledSubscription');
    return sub;
  }

  private async product(orgId: string, id: string, loc: (string | number)[]): Promise<any> {
    const p = await this.products.findRowInOrg(orgId, id);
    if (!p) throw RequestValidationError.at(loc, 'Product not found');
    return p;
  }

  private async customer(orgId: string, id: string): Promise<CustomerRow> {
    const c = await this.customers.find(orgId, { id });
    if (!c) throw RequestValidationError.at(['body', 'customer_id'], 'Customer not found');
    return c;
  }
}

/** What makes two refund requests the same request (the order is part of it). */
function refundRequestHash(input: RefundInput): string {
  const canonical = [
    input.order_id,
    input.amount,
    input.reason,
    input.comment ?? null,
    input.revoke_benefits ?? false,
    sortKeys(input.metadata ?? {}),
  ];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

function sortKeys(o: Record<string, unknown>): [string, unknown][] {
  return Object.keys(o)
    .sort()
    .map((k) => [k, o[k]]);
}

/** A key already used for a different refund is the caller's mistake, not a retry. */
function sameRequest(existing: RefundRow, requestHash: string): RefundRow {
  if (existing.request_hash !== requestHash) {
    throw RequestValidationError.at(['header', 'idempotency-key'], 'This Idempotency-Key was used for a different refund request');
  }
  return existing;
}

/**
 * Awaits every promise and then throws the first failure in the order given (not in the order they
 * failed), so a request with several bad fields reports the same one every time.
 */
async function settledInOrder<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The first fixed price of the product, when the billing system did not report an amount. */
function priceOf(product: { prices?: { amount_type?: string; price_amount?: number }[] }): number {
  const fixed = (product.prices ?? []).find((p) => p.amount_type === 'fixed');
  return fixed?.price_amount ?? 0;
}
