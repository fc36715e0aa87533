// One cycle per renewal, each with its own key: two renewals that reach the subscription workflow
// before it wakes were applied as one cycle (a rollover credit lost); a renewal noticed at the
// period end and signalled late is still cycled once. Time-skipping server, in-memory activities.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowIds } from '../../workflows/definitions';
import type { InMemoryEngine } from '../fakes/in-memory-engine';
import { advanceTo, DAY_MS, EngineTest, saveHistory, settle, startTimeSkippingEnv, until, withEngine } from '../fakes/time-skipping-env';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function startSubscription(t: EngineTest) {
  const { fake, engine } = t;
  const periodEnd = (await env.currentTimeMs()) + 30 * DAY_MS;
  const product = fake.addProduct([fake.addBenefit('feature_flag'), fake.addBenefit('custom')]);
  const sub = fake.addSubscription({ customerId: 'cus-1', productId: product, currentPeriodEnd: periodEnd });
  const workflowId = workflowIds.subscription(sub.id);
  t.track(workflowId);
  await engine.startSubscription(sub.id);
  await until(() => fake.grantsOf({ customerId: 'cus-1', subscriptionId: sub.id }).every((g) => g.status === 'granted'), 'granted');
  return { sub, periodEnd, workflowId };
}

const cycleKeys = (fake: InMemoryEngine) =>
  fake.provider
    .filter((p) => p.kind === 'cycle')
    .map((p) => p.key)
    .sort();

test('two renewals before the workflow wakes are two cycles, each with its key', async () => {
  await withEngine(env, async (t) => {
    const { fake, engine, client } = t;
    const { sub, periodEnd, workflowId } = await startSubscription(t);
    await advanceTo(env, periodEnd - DAY_MS);
    // Billing renews twice (a late renewal and the next one) before the workflow reads the row.
    fake.renewSubscription(sub.id, periodEnd + 30 * DAY_MS);
    fake.renewSubscription(sub.id, periodEnd + 60 * DAY_MS);
    await engine.signalSubscription(sub.id, { kind: 'renewed', orderId: 'order-2' });
    await engine.signalSubscription(sub.id, { kind: 'renewed', orderId: 'order-3' });
    await until(() => cycleKeys(fake).length >= 4, 'both renewals cycled');
    await settle(env, client, [workflowId]);
    const keys = [`${sub.id}:renewal:1`, `${sub.id}:renewal:2`];
    expect(cycleKeys(fake)).toEqual([...keys, ...keys].sort());

    // A signal repeated (the relay sends one twice) changes nothing.
    await engine.signalSubscription(sub.id, { kind: 'renewed', orderId: 'order-3' });
    await settle(env, client, [workflowId]);
    expect(cycleKeys(fake)).toHaveLength(4);
    await saveHistory(env, client, workflowId, 'coalesced-renewals.subscription');
  });
});

test('a renewal noticed at the period end and signalled late is cycled once, with its key', async () => {
  await withEngine(env, async (t) => {
    const { fake, engine, client } = t;
    const { sub, periodEnd, workflowId } = await startSubscription(t);
    await advanceTo(env, periodEnd - DAY_MS);
    fake.renewSubscription(sub.id, periodEnd + 30 * DAY_MS);
    await advanceTo(env, periodEnd + 1);
    await until(() => cycleKeys(fake).length === 2, 'cycled at the period end');
    await engine.signalSubscription(sub.id, { kind: 'renewed', orderId: 'order-2' });
    await until(() => fake.callsOf('loadSubscription', 'end').length === 3, 'late signal read');
    await settle(env, client, [workflowId]);
    expect(cycleKeys(fake)).toEqual([`${sub.id}:renewal:1`, `${sub.id}:renewal:1`]);
  });
});
