// Subscription state transitions decided by the subscription workflow (period end, past due,
// renewal after past due, immediate revoke), each with its webhooks. Every transition is
// conditional on the status it moves from: when the row changed meanwhile (canceled, renewed),
// nothing is written and the workflow gets the row as it is, to follow.
import { subscriptionView } from '../wire/commerce.views';
import { SubscriptionSnapshotRow, SubscriptionsRepository } from '../db/repositories/subscriptions.repository';
import { WebhookEventsRepository } from '../db/repositories/webhook-events.repository';
import { kickOrganizationWebhooks } from '../engine/engine-commands';
import { SubscriptionSnapshot, SubscriptionTransition, SubscriptionTransitionInput, TRANSITION_FROM } from './activity-types';
import type { EngineDeps } from './engine-deps';
import { enqueueCustomerState } from './webhook-outbox';

const EVENTS: Record<SubscriptionTransition, string[]> = {
  past_due: ['subscription.updated', 'subscription.past_due'],
  active: ['subscription.updated', 'subscription.active'],
  canceled: ['subscription.updated', 'subscription.revoked'],
  revoked: ['subscription.updated', 'subscription.canceled', 'subscription.revoked'],
};

function toSnapshot(s: SubscriptionSnapshotRow): SubscriptionSnapshot {
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
    renewalCount: s.renewal_count ?? 0,
  };
}

export function subscriptionActivities(deps: EngineDeps) {
  const ds = deps.dataSource;
  const subscriptions = new SubscriptionsRepository(ds);

  return {
    async loadSubscription(input: { subscriptionId: string }): Promise<SubscriptionSnapshot | null> {
      const row = await subscriptions.snapshot(ds, input.subscriptionId);
      return row ? toSnapshot(row) : null;
    },

    async transitionSubscription(input: SubscriptionTransitionInput): Promise<SubscriptionSnapshot> {
      const { snap, applied } = await ds.transaction(async (em) => {
        const applied = await subscriptions.transition(em, input.subscriptionId, input.to, {
          expected: [...TRANSITION_FROM[input.to]],
          periodEndAtMost: input.periodEnd ? new Date(input.periodEnd) : undefined,
        });
        const snap = toSnapshot((await subscriptions.snapshot(em, input.subscriptionId))!);
        if (!applied) return { snap, applied };
        const view = await subscriptionView(em, snap.organizationId, snap.id);
        const webhookEvents = new WebhookEventsRepository(ds);
        for (const type of EVENTS[input.to]) await webhookEvents.enqueue(em, snap.organizationId, type, view);
        await enqueueCustomerState(em, snap.organizationId, snap.customerId);
        return { snap, applied };
      });
      if (applied) await kickOrganizationWebhooks(deps, snap.organizationId);
      return snap;
    },
  };
}
