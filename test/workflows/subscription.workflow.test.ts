// The subscription workflow's clock: cancel at period end, immediate revoke, renewal, past due and
// grace. Real workflows on the time-skipping test server; time moves only by advanceTo jumps.
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

interface Started {
  sub: SubscriptionSnapshot;
  periodEnd: number;
  benefits: string[];
}

/** A subscription to a two-benefit product, its workflow started and both benefits granted. */
async function startSubscription(t: EngineTest, opts: { cancelAtPeriodEnd?: boolean; gracePeriodDays?: number } = {}): Promise<Started> {
  const { fake, engine } = t;
  const benefits = [fake.addBenefit('feature_flag'), fake.addBenefit('custom')];
  const periodEnd = (await env.currentTimeMs()) + 30 * DAY_MS;
  const sub = fake.addSubscription({ customerId: 'cus-1', productId: fake.addProduct(benefits), currentPeriodEnd: periodEnd, ...opts });
  t.track(workflowIds.subscription(sub.id));
  await engine.startSubscription(sub.id);
  await until(() => grantsOf(fake, sub).length === 2 && grantsOf(fake, sub).every((g) => g.status === 'granted'), 'benefits granted');
  return { sub, periodEnd, benefits };
}

const grantsOf = (fake: InMemoryEngine, sub: SubscriptionSnapshot) => fake.grantsOf({ customerId: sub.customerId, subscriptionId: sub.id });
const statuses = (fake: InMemoryEngine, sub: SubscriptionSnapshot) => grantsOf(fake, sub).map((g) => g.status);
const transitionsOf = (fake: InMemoryEngine, sub: SubscriptionSnapshot) => fake.transitions.filter((x) => x.subscriptionId === sub.id);
const allRevoked = (fake: InMemoryEngine, sub: SubscriptionSnapshot) => statuses(fake, sub).every((s) => s === 'revoked');

test('cancel at period end keeps benefits to the last moment and revokes them exactly at period end', async () => {
  await withEngine(env, async (t) => {
    const { fake, client } = t;
    const { sub, periodEnd } = await startSubscription(t, { cancelAtPeriodEnd: true });

    await advanceTo(env, periodEnd - 1_000);
    expect(statuses(fake, sub)).toEqual(['granted', 'granted']);
    expect(transitionsOf(fake, sub)).toEqual([]);

    await advanceTo(env, periodEnd + 1);
    await until(() => allRevoked(fake, sub), 'revoked at period end');
    const [canceled] = transitionsOf(fake, sub);
    expect(canceled.to).toBe('canceled');
    expectAt(canceled.at, periodEnd);
    for (const g of grantsOf(fake, sub)) expectAt(g.revokedAt!, periodEnd);
    expect(fake.access.size).toBe(0);

    const result = await client.workflow.getHandle(workflowIds.subscription(sub.id)).result();
    expect(result).toMatchObject({ phase: 'ended', status: 'canceled' });
    await saveHistory(env, client, workflowIds.subscription(sub.id), 'cancel-at-period-end.subscription');
    await saveHistory(env, client, workflowIds.grant(grantsOf(fake, sub)[0].id), 'cancel-at-period-end.grant');
  });
});

test('an immediate revoke ends the subscription and its benefits at once', async () => {
  await withEngine(env, async (t) => {
    const { fake, engine, client } = t;
    const { sub } = await startSubscription(t);
    const signaledAt = await env.currentTimeMs();

    fake.subscriptions.get(sub.id)!.status = 'canceled'; // the API writes the row, then signals
    await engine.signalSubscription(sub.id, { kind: 'revokeNow' });
    const result = await client.workflow.getHandle(workflowIds.subscription(sub.id)).result();

    expect(result.phase).toBe('ended');
    expect(transitionsOf(fake, sub).map((x) => x.to)).toEqual(['revoked']);
    await until(() => allRevoked(fake, sub), 'benefits revoked');
    for (const g of grantsOf(fake, sub)) expectAt(g.revokedAt!, signaledAt);
  });
});

test('a renewal cycles every granted benefit and moves the period end', async () => {
  await withEngine(env, async (t) => {
    const { fake, engine } = t;
    const { sub, periodEnd } = await startSubscription(t);
    const nextPeriodEnd = periodEnd + 30 * DAY_MS;

    await advanceTo(env, periodEnd - DAY_MS);
    fake.renewSubscription(sub.id, nextPeriodEnd);
    await engine.signalSubscription(sub.id, { kind: 'renewed', orderId: 'order-2' });
    await until(() => fake.provider.filter((p) => p.kind === 'cycle').length === 2, 'both grants cycled');
    expect(
      fake.provider
        .filter((p) => p.kind === 'cycle')
        .map((p) => p.grantId)
        .sort(),
    ).toEqual(
      grantsOf(fake, sub)
        .map((g) => g.id)
        .sort(),
    );

    await advanceTo(env, periodEnd + DAY_MS);
    expect(transitionsOf(fake, sub)).toEqual([]);
    expect(statuses(fake, sub)).toEqual(['granted', 'granted']);

    // The timer now points at the new period end: a missed second renewal is noticed there.
    await advanceTo(env, nextPeriodEnd + 1);
    const pastDue = await until(() => transitionsOf(fake, sub)[0], 'past_due at the new period end');
    expect(pastDue.to).toBe('past_due');
    expectAt(pastDue.at, nextPeriodEnd);
  });
});

describe('a missed renewal', () => {
  test('goes past due at period end, keeps benefits through the grace period, then revokes them', async () => {
    await withEngine(env, async (t) => {
      const { fake, client } = t;
      const { sub, periodEnd } = await startSubscription(t, { gracePeriodDays: 2 });
      const graceEnd = periodEnd + 2 * DAY_MS;

      await advanceTo(env, periodEnd + 1);
      const pastDue = await until(() => transitionsOf(fake, sub)[0], 'past_due');
      expect(pastDue.to).toBe('past_due');
      expectAt(pastDue.at, periodEnd);
      await settle(env, client, [workflowIds.subscription(sub.id)]);
      expect((await client.workflow.getHandle(workflowIds.subscription(sub.id)).query(subscriptionStateQuery)).phase).toBe(
        'past_due_grace',
      );

      await advanceTo(env, graceEnd - 1_000);
      expect(statuses(fake, sub)).toEqual(['granted', 'granted']);

      await advanceTo(env, graceEnd + 1);
      await until(() => allRevoked(fake, sub), 'revoked after grace');
      for (const g of grantsOf(fake, sub)) expectAt(g.revokedAt!, graceEnd);
      expect(transitionsOf(fake, sub).map((x) => x.to)).toEqual(['past_due']);
    });
  });

  test('without a grace period revokes right at period end', async () => {
    await withEngine(env, async (t) => {
      const { fake } = t;
      const { sub, periodEnd } = await startSubscription(t, { gracePeriodDays: 0 });

      await advanceTo(env, periodEnd - 1_000);
      expect(statuses(fake, sub)).toEqual(['granted', 'granted']);
      await advanceTo(env, periodEnd + 1);
      await until(() => allRevoked(fake, sub), 'revoked at period end');
      expect(transitionsOf(fake, sub).map((x) => x.to)).toEqual(['past_due']);
      for (const g of grantsOf(fake, sub)) expectAt(g.revokedAt!, periodEnd);
    });
  });

  test('renewed during grace becomes active again and revokes nothing', async () => {
    await withEngine(env, async (t) => {
      const { fake, engine } = t;
      const { sub, periodEnd } = await startSubscription(t, { gracePeriodDays: 2 });

      await advanceTo(env, periodEnd + 1);
      await until(() => transitionsOf(fake, sub)[0], 'past_due');
      await advanceTo(env, periodEnd + DAY_MS);
      fake.renewSubscription(sub.id, periodEnd + 30 * DAY_MS);
      await engine.signalSubscription(sub.id, { kind: 'renewed', orderId: 'order-2' });
      await until(() => transitionsOf(fake, sub).length === 2, 'active again');
      expect(transitionsOf(fake, sub).map((x) => x.to)).toEqual(['past_due', 'active']);

      await advanceTo(env, periodEnd + 3 * DAY_MS); // past where the grace would have ended
      expect(statuses(fake, sub)).toEqual(['granted', 'granted']);
      expect(fake.provider.filter((p) => p.kind === 'revoke' || p.kind === 'keep')).toEqual([]);
    });
  });

  test('still revokes at the end of grace when the subscription changes during it', async () => {
    await withEngine(env, async (t) => {
      const { fake, engine } = t;
      const { sub, periodEnd } = await startSubscription(t, { gracePeriodDays: 2 });
      const graceEnd = periodEnd + 2 * DAY_MS;

      await advanceTo(env, periodEnd + 1);
      await until(() => transitionsOf(fake, sub)[0], 'past_due');
      await advanceTo(env, periodEnd + DAY_MS);
      await engine.signalSubscription(sub.id, { kind: 'changed' }); // e.g. metadata or uncancel
      await until(() => fake.callsOf('loadSubscription', 'end').length === 2, 'change read');

      await advanceTo(env, graceEnd - 1_000);
      expect(statuses(fake, sub)).toEqual(['granted', 'granted']);
      await advanceTo(env, graceEnd + 1);
      await until(() => allRevoked(fake, sub), 'revoked at the end of grace');
      for (const g of grantsOf(fake, sub)) expectAt(g.revokedAt!, graceEnd);
    });
  });
});
