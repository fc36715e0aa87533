// SQL about grant scopes (an order or a subscription): whether one still holds a grant, and which
// scopes of a product take part when its benefits change.
import type { DataSource } from 'typeorm';

/** What decides whether a grant's scope still holds it (see activities/scope-liveness.ts). */
export interface ScopeFacts {
  customerDeleted: boolean;
  benefitDeleted: boolean;
  /** Null for a grant with no subscription. */
  subscription: { status: string; ended: boolean; inGrace: boolean } | null;
  /** Null for a grant with no order; `refundRevoked`: a refund revoked the order's benefits. */
  order: { refunded: boolean; refundRevoked: boolean } | null;
  /** Whether the scope's product still carries the benefit; null when the grant has no product. */
  inProduct: boolean | null;
}

/** An order or subscription of a product (the engine's GrantScope). */
export interface ProductScope {
  organizationId: string;
  customerId: string;
  productId: string;
  orderId?: string;
  subscriptionId?: string;
}

/** Active or trialing, or past due within the organization's grace period. */
const LIVE_SUBSCRIPTION = `s.ended_at IS NULL AND (s.status IN ('active', 'trialing')
  OR (s.status = 'past_due' AND s.past_due_at + make_interval(days => org.grace_period_days) > now()))`;

/** A refund with revoke_benefits revoked the order's grants (recorded on them). */
const REFUND_REVOKED = `EXISTS (SELECT 1 FROM benefit_grants r WHERE r.order_id = o.id AND r.revoke_reason = 'refunded')`;

/**
 * A grant's scope facts as one JSON object, for a query over the grant `g` joined to its customer
 * `c`, its benefit `b` and SCOPE_FACTS_JOINS; scopeFactsOf reads it. The grant command's lock
 * (GrantsRepository.lockForCommand) reads them in its round trip.
 */
export const SCOPE_FACTS_JSON = `jsonb_build_object(
    'customer_deleted', c.deleted_at IS NOT NULL, 'benefit_deleted', b.deleted_at IS NOT NULL,
    'subscription_id', s.id, 'subscription_status', s.status,
    'subscription_ended', (s.ended_at IS NOT NULL OR s.status IN ('canceled', 'incomplete_expired')),
    'subscription_live', coalesce(${LIVE_SUBSCRIPTION}, false),
    'order_id', o.id, 'order_refunded', o.status <> 'paid', 'refund_revoked', ${REFUND_REVOKED},
    'in_product', CASE WHEN coalesce(s.product_id, o.product_id) IS NULL THEN NULL
         ELSE EXISTS (SELECT 1 FROM product_benefits pb WHERE pb.product_id = coalesce(s.product_id, o.product_id) AND pb.benefit_id = g.benefit_id)
       END)`;

export const SCOPE_FACTS_JOINS = `JOIN organizations org ON org.id = g.organization_id
         LEFT JOIN subscriptions s ON s.id = g.subscription_id
         LEFT JOIN orders o ON o.id = g.order_id`;

export function scopeFactsOf(r: Record<string, any>): ScopeFacts {
  return {
    customerDeleted: r.customer_deleted,
    benefitDeleted: r.benefit_deleted,
    subscription: r.subscription_id
      ? {
          status: r.subscription_status,
          ended: r.subscription_ended,
          inGrace: r.subscription_status === 'past_due' && r.subscription_live,
        }
      : null,
    order: r.order_id ? { refunded: r.order_refunded, refundRevoked: r.refund_revoked } : null,
    inProduct: r.in_product,
  };
}

export class ScopesRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * One keyset page of a product's live scopes: one-time orders not refunded with revoke, then
   * subscriptions that are live; customers deleted take no part. `after` is `o:<id>` or `s:<id>`.
   */
  async productScopesPage(
    productId: string,
    after: string | null,
    limit: number,
  ): Promise<{ scopes: ProductScope[]; next: string | null }> {
    const [kind, afterId] = after ? after.split(':') : ['o', null];
    const scopes: ProductScope[] = [];
    if (kind === 'o') {
      const orders: { id: string; organization_id: string; customer_id: string }[] = await this.ds.query(
        `SELECT o.id, o.organization_id, o.customer_id FROM orders o JOIN customers c ON c.id = o.customer_id
          WHERE o.product_id = $1 AND o.subscription_id IS NULL AND c.deleted_at IS NULL
            AND o.status IN ('paid', 'partially_refunded', 'refunded') AND NOT ${REFUND_REVOKED}
            AND ($2::uuid IS NULL OR o.id > $2)
          ORDER BY o.id LIMIT $3`,
        [productId, afterId || null, limit],
      );
      for (const o of orders) scopes.push({ organizationId: o.organization_id, customerId: o.customer_id, productId, orderId: o.id });
      if (orders.length === limit) return { scopes, next: `o:${orders[orders.length - 1].id}` };
    }
    const subAfter = kind === 's' && afterId ? afterId : null;
    const subs: { id: string; organization_id: string; customer_id: string }[] = await this.ds.query(
      `SELECT s.id, s.organization_id, s.customer_id FROM subscriptions s
         JOIN customers c ON c.id = s.customer_id JOIN organizations org ON org.id = s.organization_id
        WHERE s.product_id = $1 AND c.deleted_at IS NULL AND ${LIVE_SUBSCRIPTION}
          AND ($2::uuid IS NULL OR s.id > $2) ORDER BY s.id LIMIT $3`,
      [productId, subAfter, limit],
    );
    for (const s of subs) scopes.push({ organizationId: s.organization_id, customerId: s.customer_id, productId, subscriptionId: s.id });
    return { scopes, next: subs.length === limit ? `s:${subs[subs.length - 1].id}` : null };
  }
}
