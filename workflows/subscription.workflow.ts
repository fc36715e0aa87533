// One workflow per subscription. Billing lives outside us: renewals arrive as signals, and the
// period timer decides what happens when none came (cancel at period end, past due, grace, revoke).
import {
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { EngineActivities, GrantScope, SubscriptionSnapshot } from '../activities/activity-types';
import { SubscriptionEvent, subscriptionEventSignal, SubscriptionState, subscriptionStateQuery } from './definitions';

const acts = proxyActivities<EngineActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const DAY_MS = 24 * 60 * 60 * 1000;
const HISTORY_LIMIT = 5_000;

export interface SubscriptionWorkflowInput {
  subscriptionId: string;
  /** Set on continue-as-new: the benefits are already granted. */
  resumed?: boolean;
  /** Set on continue-as-new: the latest renewals applied, so a repeated signal stays harmless. */
  renewals?: string[];
}

/** Renewal ids kept to recognise a repeated signal (the outbox relay may send one twice). */
const RENEWALS_KEPT = 50;

export async function subscriptionWorkflow(input: SubscriptionWorkflowInput): Promise<SubscriptionState> {
  const events: SubscriptionEvent[] = [];
  const renewals: string[] = [...(input.renewals ?? [])];
  const state: SubscriptionState = { subscriptionId: input.subscriptionId, status: 'unknown', currentPeriodEnd: null, phase: 'active' };
  setHandler(subscriptionEventSignal, (e) => void events.push(e));
  setHandler(subscriptionStateQuery, () => state);

  let sub = await acts.loadSubscription({ subscriptionId: input.subscriptionId });
  if (!sub) return state;
  const scope: GrantScope = {
    organizationId: sub.organizationId,
    customerId: sub.customerId,
    productId: sub.productId,
    subscriptionId: sub.id,
  };
  const observe = (s: SubscriptionSnapshot) => {
    sub = s;
    state.status = s.status;
    state.currentPeriodEnd = s.currentPeriodEnd;
  };
  observe(sub);

  if (isEnded(sub)) return end(state, scope);
  if (!input.resumed && sub.status !== 'past_due') await acts.grantScope(scope);

  let graceEndsAt = 0;
  const waitOutGrace = async () => {
    const renewedInGrace = await condition(() => events.length > 0, Math.max(graceEndsAt - Date.now(), 1));
    if (!renewedInGrace) {
      await acts.commandScope({ scope, command: { action: 'revoke' } });
      state.phase = 'past_due_revoked';
    }
  };

  for (;;) {
    const current: SubscriptionSnapshot = sub;
    const untilPeriodEnd = Date.parse(current.currentPeriodEnd) - Date.now();
    const gotEvent = await condition(() => events.length > 0, Math.max(untilPeriodEnd, 1));
    if (gotEvent) {
      const event = events.shift()!;
      // A renewal already applied (its signal repeated): ignored. Only such a repeat records the
      // patch marker, so histories without one replay unchanged.
      if (event.kind === 'renewed' && event.orderId && renewals.includes(event.orderId) && patched('renewal-applied-once')) continue;
      if (event.kind === 'renewed' && event.orderId) {
        renewals.push(event.orderId);
        if (renewals.length > RENEWALS_KEPT) renewals.shift();
      }
      if (event.kind === 'revokeNow') {
        observe(await acts.transitionSubscription({ subscriptionId: current.id, to: 'revoked' }));
        return end(state, scope);
      }
      const wasPastDue = state.phase !== 'active';
      observe((await acts.loadSubscription({ subscriptionId: current.id }))!);
      if (isEnded(sub)) return end(state, scope);
      if (event.kind === 'renewed') {
        if (wasPastDue) {
          observe(await acts.transitionSubscription({ subscriptionId: current.id, to: 'active' }));
          state.phase = 'active';
          await acts.grantScope(scope);
        }
        await acts.commandScope({ scope, command: { action: 'cycle' } });
      }
    } else if (current.cancelAtPeriodEnd) {
      observe(await acts.transitionSubscription({ subscriptionId: current.id, to: 'canceled' }));
      return end(state, scope);
    } else if (state.phase === 'active') {
      observe(await acts.transitionSubscription({ subscriptionId: current.id, to: 'past_due' }));
      state.phase = 'past_due_grace';
      graceEndsAt = Date.now() + sub.gracePeriodDays * DAY_MS;
      await waitOutGrace();
    } else if (state.phase === 'past_due_grace') {
      // Woken in grace by an event that was no renewal (a change): the grace still ends on time.
      await waitOutGrace();
    } else {
      // Past due and revoked: wait for a renewal (or an end) as long as it takes.
      await condition(() => events.length > 0);
    }
    if (workflowInfo().historyLength > HISTORY_LIMIT && events.length === 0) {
      await continueAsNew<typeof subscriptionWorkflow>({ subscriptionId: input.subscriptionId, resumed: true, renewals });
    }
  }
}

function isEnded(sub: SubscriptionSnapshot): boolean {
  return sub.status === 'canceled' || sub.status === 'revoked' || sub.endedAt !== null;
}

async function end(state: SubscriptionState, scope: GrantScope): Promise<SubscriptionState> {
  await acts.commandScope({ scope, command: { action: 'revoke' } });
  state.phase = 'ended';
  return state;
}
