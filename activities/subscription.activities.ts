// Subscription state transitions decided by the subscription workflow (period end, past due,
// renewal after past due, immediate revoke), each with its webhooks.
import type { EntityManager } from 'typeorm';
import { subscriptionView } from '../api/views/commerce.views';
import { WebhookEventsRepository } from '../db/repositories/webhook-events.repository';
import type { SubscriptionSnapshot, SubscriptionTransition } from './activity-types';
import type { EngineDeps } from './engine-deps';
import { enqueueCustomerState, kickOrganizationWebhooks } from './webhook-outbox';

const TRANSITIONS: Record<SubscriptionTransition, { sql: string; events: string[] }> = {
  past_due: { sql: `status = 'past_due', past_due_at = now()`, events: ['subscription.updated', 'subscription.past_due'] },
  active: { sql: `status = 'active', past_due_at = NULL`, events: ['subscription.updated', 'subscription.active'] },
  canceled: { sql: `status = 'canceled', ended_at = now()`, events: ['subscription.updated', 'subscription.revoked'] },
  revoked: {
    sql: `status = 'canceled', canceled_at = coalesce(canceled_at, now()), ends_at = now(), ended_at = now()`,
    events: ['subscription.updated', 'subscription.canceled', 'subscription.revoked'],
  },
};

export function subscriptionActivities(deps: EngineDeps) {
  const ds = deps.dataSource;

  async function snapshot(q: Pick<EntityManager, 'query'>, id: string): Promise<SubscriptionSnapshot | null> {
    const rows: any[] = await q.query(
      `SELECT s.*, o.grace_period_days FROM subscriptions s JOIN organizations o ON o.id = s.organization_id WHERE s.id = $1`,
      [id],
    );
    const s = rows[0];
    if (!s) return null;
    return {
      id: s.id,
      organizationId: s.organization_id,
      customerId: s.customer_id,
      productId: s.product_id,
      status: s.status,
      currentPeriodEnd: new Date(s.current_period_end).toISOString(),
      cancelAtPeriodEnd: s.cancel_at_period_end,
      gracePeriodDays: s.grace_period_days,
      endedAt: s.ended_at ? new Date(s.ended_at).toISOString() : null,
    };
  }

  return {
    loadSubscription: (input: { subscriptionId: string }) => snapshot(ds, input.subscriptionId),

    async transitionSubscription(input: { subscriptionId: string; to: SubscriptionTransition }): Promise<SubscriptionSnapshot> {
      const t = TRANSITIONS[input.to];
      const snap = await ds.transaction(async (em) => {
        await em.query(`UPDATE subscriptions SET ${t.sql}, modified_at = now() WHERE id = $1`, [input.subscriptionId]);
        const s = (await snapshot(em, input.subscriptionId))!;
        const view = await subscriptionView(em, s.organizationId, s.id);
        const outbox = new WebhookEventsRepository(ds);
        for (const type of t.events) await outbox.enqueue(em, s.organizationId, type, view);
        await enqueueCustomerState(em, s.organizationId, s.customerId);
        return s;
      });
      await kickOrganizationWebhooks(deps, snap.organizationId);
      return snap;
    },
  };
}
