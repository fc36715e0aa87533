// The subscription workflow's status writes against real PostgreSQL: each applies only from the
// status it expects, so a change the API committed meanwhile (revoke, renewal) wins. The workflow
// is not running here (no worker): the test calls its activities as it would.
import { subscriptionActivities } from '../../activities/subscription.activities';
import { strategies } from '../../benefits/registry';
import { createLogger } from '../../lib/logger';
import { createShop, Shop } from '../support/fixtures';
import { startTestStack, TestStack } from '../support/harness';

let stack: TestStack;
let shop: Shop;
let acts: ReturnType<typeof subscriptionActivities>;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
  shop = await createShop(stack);
  acts = subscriptionActivities({
    dataSource: stack.dataSource,
    engine: stack.engine,
    registry: strategies,
    logger: createLogger('silent', 'test'),
    webhookAllowPrivateNetworks: true,
    webhookTimeoutMs: 1_000,
  });
});
afterAll(async () => stack?.close());

const subscribe = () => shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
const statusOf = async (id: string) => (await shop.polar.subscriptions.get(id)).status;

test('a subscription revoked by the merchant never goes back to past_due', async () => {
  const sub = await subscribe();
  await shop.polar.subscriptions.revoke(sub.id);

  const row = await acts.transitionSubscription({ subscriptionId: sub.id, to: 'past_due' });
  expect(row).toMatchObject({ status: 'canceled', endedAt: expect.any(String) });
  expect(await statusOf(sub.id)).toBe('canceled');
  expect((await acts.transitionSubscription({ subscriptionId: sub.id, to: 'active' })).status).toBe('canceled');
  expect(await statusOf(sub.id)).toBe('canceled');
});

test('a period-end decision does not apply once a renewal moved the period on', async () => {
  const sub = await subscribe();
  const oldEnd = new Date(sub.current_period_end).toISOString();
  const newEnd = new Date(Date.parse(oldEnd) + 30 * 86_400_000).toISOString();
  const renewed = await stack.http('PATCH', `/v1/subscriptions/${sub.id}`, { token: shop.token, body: { current_period_end: newEnd } });
  expect(renewed.status).toBe(200);

  const row = await acts.transitionSubscription({ subscriptionId: sub.id, to: 'past_due', periodEnd: oldEnd });
  expect(row).toMatchObject({ status: 'active', currentPeriodEnd: newEnd });
  expect(await statusOf(sub.id)).toBe('active');
  expect((await acts.transitionSubscription({ subscriptionId: sub.id, to: 'canceled', periodEnd: oldEnd })).status).toBe('active');
});

test('the expected transitions apply: past_due from active, active again from past_due', async () => {
  const sub = await subscribe();
  expect((await acts.transitionSubscription({ subscriptionId: sub.id, to: 'past_due' })).status).toBe('past_due');
  expect(await statusOf(sub.id)).toBe('past_due');
  expect((await acts.transitionSubscription({ subscriptionId: sub.id, to: 'active' })).status).toBe('active');
  expect(await statusOf(sub.id)).toBe('active');
});
