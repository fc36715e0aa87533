// One workflow per subscription. Billing lives outside us: renewals arrive as signals, and the
// period timer decides what happens when none came (cancel at period end, past due, grace, revoke).
// The row is the truth: at the period timer the workflow re-reads it (a renewal whose signal was
// lost moved the period on), and every status write is conditional on the status it expects.
import { condition, continueAsNew, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { EngineActivities, GrantScope, SubscriptionSnapshot } from '../activities/activity-types';
import { SubscriptionEvent, subscriptionEventSignal, SubscriptionState, subscriptionStateQuery } from './definitions';

const acts = proxyActivities<EngineActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const DAY_MS = 24 * 60 * 60 * 1000;
const HISTORY_LIMIT = 5_000;
/** Runs that started before period-end decisions re-read the row replay the old command sequence. */
export const CURRENT_ROW_PATCH = 'subscription-decides-from-current-row';
/**
 * Cycles once per renewal the row counts, each with its key: two renewals that arrived before the
 * workflow woke were one cycle before (a rollover credit lost). Runs from before replay as they were.
 */
export const CYCLE_PER_RENEWAL_PATCH = 'cycle-per-renewal';

export interface SubscriptionWorkflowInput {
  subscriptionId: string;
  /** Set on continue-as-new: the benefits are already granted (or, past grace, revoked). */
  resumed?: boolean;
  /** Carried over continue-as-new so a grace in progress still ends on time. */
  phase?: 'active' | 'past_due_grace' | 'past_due_revoked';
  graceEndsAt?: number;
  /** History length that triggers continue-as-new (tests lower it). */
  historyLimit?: number;
  /** Set on continue-as-new: the latest renewals applied, so a repeated signal stays harmless. */
  renewals?: string[];
  /** Set on continue-as-new: the row's renewal count already cycled. */
  cycledRenewals?: number;
}

/** Renewal ids kept to recognise a repeated signal (the outbox relay may send one twice). */
const RENEWALS_KEPT = 50;

type Step = 'ended' | 'continue';

export async function subscriptionWorkflow(input: SubscriptionWorkflowInput): Promise<SubscriptionState> {
  const events: SubscriptionEvent[] = [];
  const renewals: string[] = [...(input.renewals ?? [])];
  const state: SubscriptionState = {
    subscriptionId: input.subscriptionId,
    status: 'unknown',
    currentPeriodEnd: null,
    phase: input.phase ?? 'active',
  };
  setHandler(subscriptionEventSignal, (e) => void events.push(e));
  setHandler(subscriptionStateQuery, () => state);

  const first = await acts.loadSubscription({ subscriptionId: input.subscriptionId });
  if (!first) return state;
  let sub: SubscriptionSnapshot = first;
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
  // Renewals before this run are covered by its grants (or by the run it continues).
  let cycledRenewals: number | undefined = input.cycledRenewals ?? sub.renewalCount;

  if (isEnded(sub)) return end(state, scope);
  if (!input.resumed && sub.status !== 'past_due') await acts.grantScope(scope);

  let graceEndsAt = input.graceEndsAt ?? 0;
  const transition = async (to: 'past_due' | 'active' | 'canceled', periodEnd?: string) =>
    observe(await acts.transitionSubscription({ subscriptionId: input.subscriptionId, to, ...(periodEnd ? { periodEnd } : {}) }));
  /** Re-reads the row; a missing row ends the subscription like a revoke. */
  const reload = async () => {
    const row = await acts.loadSubscription({ subscriptionId: input.subscriptionId });
    if (row) observe(row);
    return row !== null;
  };

  /** The period moved on (a renewal, signalled or not): back to active if past due, then cycle. */
  const renewed = async (): Promise<Step> => {
    if (state.phase !== 'active') {
      await transition('active');
      if (isEnded(sub)) return 'ended';
      state.phase = 'active';
      await acts.grantScope(scope);
    }
    if (!patched(CYCLE_PER_RENEWAL_PATCH)) {
      await acts.commandScope({ scope, command: { action: 'cycle' } });
      return 'continue';
    }
    const count = sub.renewalCount ?? 0;
    // A run continued from one without the count knows no baseline: this renewal alone.
    const from = cycledRenewals === undefined ? count - 1 : cycledRenewals;
    // At least one cycle: the period moved on even where nothing counted it.
    const last = Math.max(count, from + 1);
    for (let n = from + 1; n <= last; n++) {
      await acts.commandScope({ scope, command: { action: 'cycle', cycleKey: `${sub.id}:renewal:${n}` } });
    }
    cycledRenewals = last;
    return 'continue';
  };

  const waitOutGrace = async (periodOf: SubscriptionSnapshot): Promise<Step> => {
    const renewedInGrace = await condition(() => events.length > 0, Math.max(graceEndsAt - Date.now(), 1));
    if (renewedInGrace) return 'continue';
    if (patched(CURRENT_ROW_PATCH)) {
      if (!(await reload()) || isEnded(sub)) return 'ended';
      if (movedOn(periodOf, sub)) return renewed();
    }
    await acts.commandScope({ scope, command: { action: 'revoke' } });
    state.phase = 'past_due_revoked';
    return 'continue';
  };

  /** No event came before the period end: decide from the row as it is now. */
  const periodEnded = async (periodOf: SubscriptionSnapshot): Promise<Step> => {
    if (!(await reload()) || isEnded(sub)) return 'ended';
    if (movedOn(periodOf, sub)) return renewed();
    if (sub.cancelAtPeriodEnd || state.phase === 'active') {
      const to = sub.cancelAtPeriodEnd ? 'canceled' : 'past_due';
      await transition(to, sub.currentPeriodEnd);
      if (isEnded(sub)) return 'ended';
      if (movedOn(periodOf, sub)) return renewed();
      if (to === 'canceled' || sub.status !== 'past_due') {
        // Not applied, yet neither ended nor renewed (a status billing set): wait to be told.
        await condition(() => events.length > 0);
        return 'continue';
      }
      state.phase = 'past_due_grace';
      graceEndsAt = Date.now() + sub.gracePeriodDays * DAY_MS;
    }
    if (state.phase === 'past_due_grace') return waitOutGrace(periodOf);
    // Past due and revoked: wait for a renewal (or an end) as long as it takes.
    await condition(() => events.length > 0);
    return 'continue';
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
      if (patched(CURRENT_ROW_PATCH)) {
        // Renewed is what the row says, whichever signal came: a renewal whose signal was lost
        // counts at the next one, and one already taken at the period timer is not cycled twice.
        if (movedOn(current, sub) && (await renewed()) === 'ended') return end(state, scope);
      } else if (event.kind === 'renewed') {
        if (wasPastDue) {
          observe(await acts.transitionSubscription({ subscriptionId: current.id, to: 'active' }));
          state.phase = 'active';
          await acts.grantScope(scope);
        }
        await acts.commandScope({ scope, command: { action: 'cycle' } });
      }
    } else if (patched(CURRENT_ROW_PATCH)) {
      if ((await periodEnded(current)) === 'ended') return end(state, scope);
    } else if (current.cancelAtPeriodEnd) {
      // Below: runs from before CURRENT_ROW_PATCH, replaying the commands they recorded.
      observe(await acts.transitionSubscription({ subscriptionId: current.id, to: 'canceled' }));
      return end(state, scope);
    } else if (state.phase === 'active') {
      observe(await acts.transitionSubscription({ subscriptionId: current.id, to: 'past_due' }));
      state.phase = 'past_due_grace';
      graceEndsAt = Date.now() + sub.gracePeriodDays * DAY_MS;
      if ((await waitOutGrace(current)) === 'ended') return end(state, scope);
    } else if (state.phase === 'past_due_grace') {
      // Woken in grace by an event that was no renewal (a change): the grace still ends on time.
      if ((await waitOutGrace(current)) === 'ended') return end(state, scope);
    } else {
      await condition(() => events.length > 0);
    }
    if (workflowInfo().historyLength > (input.historyLimit ?? HISTORY_LIMIT) && events.length === 0) {
      const phase = state.phase === 'ended' ? 'active' : state.phase;
      await continueAsNew<typeof subscriptionWorkflow>({
        subscriptionId: input.subscriptionId,
        resumed: true,
        renewals,
        ...(cycledRenewals === undefined ? {} : { cycledRenewals }),
        phase,
        ...(phase === 'past_due_grace' ? { graceEndsAt } : {}),
        ...(input.historyLimit ? { historyLimit: input.historyLimit } : {}),
      });
    }
  }
}

function isEnded(sub: SubscriptionSnapshot): boolean {
  return sub.status === 'canceled' || sub.status === 'revoked' || sub.endedAt !== null;
}

/** The row's period ends later than the one the workflow was timing: it was renewed. */
function movedOn(timed: SubscriptionSnapshot, now: SubscriptionSnapshot): boolean {
  return Date.parse(now.currentPeriodEnd) > Date.parse(timed.currentPeriodEnd);
}

async function end(state: SubscriptionState, scope: GrantScope): Promise<SubscriptionState> {
  await acts.commandScope({ scope, command: { action: 'revoke' } });
  state.phase = 'ended';
  return state;
}
