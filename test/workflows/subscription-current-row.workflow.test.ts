// The subscription workflow decides from the row as it is now, not from what it last saw: a
// renewal whose signal was lost, a cancel racing the period end, a grace carried over
// continue-as-new. Real workflows on the time-skipping test server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SubscriptionSnapshot } from '../../activities/activity-types';
import { subscriptionStateQuery, workflowIds } from '../../workflows/definitions';
import type { InMemoryEngine } from '../fakes/in-memory-engine';
import {
  advanceTo,
  DAY_MS,
  EngineTest,
  expectAt,
  saveHistory,
  settle,
  startTimeSkippingEnv,
  until,
  withEngine,
} from '../fakes/time-skipping-env';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** A subscription to a two-benefit product, its workflow started and both benefits granted. */
async function startSubscription(t: EngineTest, opts: { gracePeriodDays?: number; historyLimit?: number } = {}) {
  const { fake, client } = t;
  const periodEnd = (await env.currentTimeMs()) + 30 * DAY_MS;
  const product = fake.addProduct([fake.addBenefit('feature_flag'), fake.addBenefit('custom')]);
  const sub = fake.addSubscription({
    customerId: 'cus-1',
    productId: product,
    currentPeriodEnd: periodEnd,
    gracePeriodDays: opts.gracePeriodDays,
  });
  const workflowId = workflowIds.subscription(sub.id);
  t.track(workflowId);
  const args = [{ subscriptionId: sub.id, ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}) }];
  const handle = await client.workflow.start('subscriptionWorkflow', { taskQueue: t.taskQueue, workflowId, args });
  await until(() => grantsOf(fake, sub).length === 2 && grantsOf(fake, sub).every((g) => g.status === 'granted'), 'benefits granted');
  return { sub, periodEnd, workflowId, firstRunId: handle.firstExecutionRunId };
}

const grantsOf = (fake: InMemoryEngine, sub: SubscriptionSnapshot) => fake.grantsOf({ customerId: sub.customerId, subscriptionId: sub.id });
const statuses = (fake: InMemoryEngine, sub: SubscriptionSnapshot) => grantsOf(fake, sub).map((g) => g.status);
const transitionsTo = (fake: InMemoryEngine, sub: SubscriptionSnapshot) =>
  fake.transitions.filter((x) => x.subscriptionId === sub.id).map((x) => x.to);
const cycles = (fake: InMemoryEngine) => fake.provider.filter((p) => p.kind === 'cycle').length;

test('a renewal whose signal was lost keeps the customer active: the period end cycles instead of going past due', async () => {
  await withEngine(env, async (t) => {
    const { fake, engine, client } = t;
    const { sub, periodEnd, workflowId } = await startSubscription(t, { gracePeriodDays: 2 });
    const nextPeriodEnd = periodEnd + 30 * DAY_MS;

    await advanceTo(env, periodEnd - DAY_MS);
    fake.renewSubscription(sub.id, nextPeriodEnd); // billing renewed the row; its signal never came
    await advanceTo(env, periodEnd + 1);
    await until(() => cycles(fake) === 2, 'both grants cycled at the period end');
    await settle(env, client, [workflowId]);
    expect(transitionsTo(fake, sub)).toEqual([]);
    expect(fake.subscriptions.get(sub.id)!.status).toBe('active');
    expect((await client.workflow.getHandle(workflowId).query(subscriptionStateQuery)).phase).toBe('active');

    // The signal arriving late does not cycle the same renewal twice.
    await engine.signalSubscription(sub.id, { kind: 'renewed', orderId: 'order-2' });
    await until(() => fake.callsOf('loadSubscription', 'end').length === 3, 'late signal read');
    await settle(env, client, [workflowId]);
    expect(cycles(fake)).toBe(2);

    // Past the old grace end nothing was revoked; the next missed renewal is noticed at the new end.
    await advanceTo(env, periodEnd + 3 * DAY_MS);
    expect(statuses(fake, sub)).toEqual(['granted', 'granted']);
    await advanceTo(env, nextPeriodEnd + 1);
    await until(() => transitionsTo(fake, sub).length === 1, 'past due at the new period end');
    expect(transitionsTo(fake, sub)).toEqual(['past_due']);
    expectAt(fake.transitions.find((x) => x.subscriptionId === sub.id)!.at, nextPeriodEnd);
    await saveHistory(env, client, workflowId, 'lost-renewal.subscription');
  });
});

test('a cancel committed while the period end decides past due wins: the subscription stays canceled and ends', async () => {
  let raceAfter = Infinity;
  await withEngine(
    env,
    async (t) => {
      const { fake, client } = t;
      const { sub, periodEnd, workflowId } = await startSubscription(t, { gracePeriodDays: 2 });
      raceAfter = periodEnd;

      await advanceTo(env, periodEnd + 1);
      const result = await client.workflow.getHandle(workflowId).result();
      expect(result).toMatchObject({ phase: 'ended', status: 'canceled' });
      expect(fake.subscriptions.get(sub.id)!.status).toBe('canceled');
      expect(transitionsTo(fake, sub)).toEqual([]);
      await until(() => statuses(fake, sub).every((s) => s === 'revoked'), 'benefits revoked');
    },
    {
      // The merchant revokes the subscription right after the workflow read it at the period end
      // (the API commits the row; its revokeNow signal is still on its way).
      activities: (fake) => ({
        loadSubscription: async ({ subscriptionId }) => {
          const row = structuredClone(fake.subscriptions.get(subscriptionId)!);
          if ((await env.currentTimeMs()) >= raceAfter) {
            Object.assign(fake.subscriptions.get(subscriptionId)!, { status: 'canceled', endedAt: new Date(raceAfter).toISOString() });
          }
          return row;
        },
      }),
    },
  );
});

describe('continue-as-new', () => {
  test('keeps a grace in progress: the benefits are still revoked when the grace ends, not later', async () => {
    await withEngine(env, async (t) => {
      const { fake, engine, client } = t;
      const { sub, periodEnd, workflowId, firstRunId } = await startSubscription(t, { gracePeriodDays: 2, historyLimit: 1 });
      const graceEnd = periodEnd + 2 * DAY_MS;

      await advanceTo(env, periodEnd + 1);
      await until(() => transitionsTo(fake, sub).length === 1, 'past due');
      await advanceTo(env, periodEnd + DAY_MS);
      await engine.signalSubscription(sub.id, { kind: 'changed' }); // history past the limit: continue-as-new
      await settle(env, client, [workflowId]);
      expect((await client.workflow.getHandle(workflowId).describe()).runId).not.toBe(firstRunId);

      await advanceTo(env, graceEnd - 1_000);
      expect(statuses(fake, sub)).toEqual(['granted', 'granted']);
      await advanceTo(env, graceEnd + 1);
      await until(() => statuses(fake, sub).every((s) => s === 'revoked'), 'revoked at the end of grace');
      for (const g of grantsOf(fake, sub)) expectAt(g.revokedAt!, graceEnd);
      expect(transitionsTo(fake, sub)).toEqual(['past_due']);
    });
  });

  test('a past-due subscription whose benefits were revoked stays revoked until it is renewed', async () => {
    await withEngine(env, async (t) => {
      const { fake, engine, client } = t;
      const { sub, periodEnd, workflowId } = await startSubscription(t, { gracePeriodDays: 1, historyLimit: 1 });

      await advanceTo(env, periodEnd + DAY_MS + 1);
      await until(() => statuses(fake, sub).every((s) => s === 'revoked'), 'revoked after grace');
      await settle(env, client, [workflowId]); // the revoked phase continues as new
      await advanceTo(env, periodEnd + 4.5 * DAY_MS);
      await settle(env, client, [workflowId]);
      expect((await client.workflow.getHandle(workflowId).query(subscriptionStateQuery)).phase).toBe('past_due_revoked');
      expect(transitionsTo(fake, sub)).toEqual(['past_due']);
      expect(statuses(fake, sub)).toEqual(['revoked', 'revoked']);
      expect(fake.provider.filter((p) => p.kind === 'grant')).toHaveLength(2); // the purchase only

      fake.renewSubscription(sub.id, periodEnd + 30 * DAY_MS);
      await engine.signalSubscription(sub.id, { kind: 'renewed', orderId: 'order-2' });
      await until(() => statuses(fake, sub).every((s) => s === 'granted'), 'granted again on renewal');
      expect(transitionsTo(fake, sub)).toEqual(['past_due', 'active']);
    });
  });
});
