// GET /v1/benefit-grants/{id}/history: the transitions written with the grant row and the grant
// workflow's commands and provider calls (attempt, outcome, error), through the real worker and a
// provider stand-in that fails as scripted; another organization's grant is a 404.
import { defaultPayloadConverter } from '@temporalio/common';
import type { BenefitStrategy, GrantContext } from '../../benefits/strategy';
import { customStrategy } from '../../benefits/custom/custom.strategy';
import { strategies } from '../../benefits/registry';
import { RetriableError } from '../../benefits/strategy-errors';
import { createShop, grantsOf } from '../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../support/harness';

/** Fails `failures` times per customer email with a short retry-after, then grants. */
const failures = new Map<string, number>();
const flaky: BenefitStrategy<any> = {
  ...customStrategy,
  // A provider stand-in (its calls are what the test watches): locked commands, shared access.
  computedOnly: false,
  sharedAccess: true,
  grant: async (ctx: GrantContext) => {
    const left = failures.get(ctx.customer.email) ?? 0;
    if (left > 0) {
      failures.set(ctx.customer.email, left - 1);
      throw new RetriableError(`provider busy (${left} left)`, 300);
    }
    return customStrategy.grant(ctx);
  },
};

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ deps: { registry: { ...strategies, custom: flaky } } });
});
afterAll(async () => stack?.close());

const history = async (token: string, grantId: string) => stack.http('GET', `/v1/benefit-grants/${grantId}/history`, { token });

test('a grant retried by the provider, then revoked: every command, call and transition in order', async () => {
  const shop = await createShop(stack, 1);
  failures.set(shop.customer.email, 3);
  const sub = await shop.polar.subscriptions.create({ customer_id: shop.customer.id, product_id: shop.monthly.id });
  const [grant] = await eventually(async () => {
    const g = await grantsOf(shop);
    return g.length === 1 ? g : null;
  });

  // While the provider still fails, the regular call shows as retrying with its last error.
  const retrying = await eventually(async () => {
    const res = await history(shop.token, grant.id);
    return res.body.items?.find((i: any) => i.type === 'provider_call' && i.outcome === 'retrying' && i.attempt >= 2) ? res.body : null;
  });
  expect(retrying.workflow).toMatchObject({ id: `grant:${grant.id}`, available: true, status: 'RUNNING' });

  // The Web UI names the grant (static summary) and each regular call says what it is for.
  const handle = stack.temporal.workflow.getHandle(`grant:${grant.id}`);
  expect(await (await handle.describe()).staticSummary()).toBe(`${shop.customer.email} · Benefit number 0 (custom)`);
  const scheduled = (await handle.fetchHistory()).events!.filter((e) => e.activityTaskScheduledEventAttributes);
  expect(scheduled.map((e) => defaultPayloadConverter.fromPayload(e.userMetadata!.summary!))).toEqual(['grant']);

  await eventually(async () => (await grantsOf(shop, { is_granted: true })).length === 1);
  await shop.polar.subscriptions.revoke(sub.id);
  const res = await eventually(async () => {
    const r = await history(shop.token, grant.id);
    return r.body.items?.some((i: any) => i.type === 'transition' && i.kind === 'revoked') && r.body.workflow.status === 'COMPLETED'
      ? r
      : null;
  });
  expect(res.status).toBe(200);
  const items = res.body.items;
  const summary = items.map((i: any) =>
    i.type === 'provider_call'
      ? `${i.execution} ${i.command} #${i.attempt} ${i.outcome}`
      : i.type === 'transition'
        ? i.kind
        : `${i.type} ${i.action ?? i.event}`,
  );
  // In this order (the subscription workflow may repeat the grant command, applied as a no-op).
  const expected = [
    'workflow started',
    'command grant',
    'local grant #1 failed',
    'regular grant #3 completed',
    'granted',
    'command revoke',
    'local revoke #1 completed',
    'revoked',
    'workflow completed',
  ];
  let at = 0;
  for (const line of summary) if (line === expected[at]) at += 1;
  expect({ summary, matched: at }).toEqual({ summary, matched: expected.length });
  expect(summary.filter((l: string) => l === 'granted')).toHaveLength(1);
  const [local, regular] = items.filter((i: any) => i.type === 'provider_call');
  expect(local.error).toEqual({ message: 'provider busy (3 left)', type: 'RetriableError', non_retryable: false });
  // Temporal keeps a regular call's last failed attempt: the one before the attempt that completed.
  expect(regular.previous_attempt_error).toMatchObject({ message: 'provider busy (1 left)', type: 'RetriableError' });
  expect(items.find((i: any) => i.kind === 'revoked').data).toMatchObject({ was_granted: true });
  for (const item of items) expect(Number.isNaN(Date.parse(item.time))).toBe(false);
});

test("another organization's grant, and an unknown one, are 404", async () => {
  const shop = await createShop(stack, 1);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const [grant] = await eventually(async () => {
    const g = await grantsOf(shop, { is_granted: true });
    return g.length === 1 ? g : null;
  });
  expect((await history(shop.token, grant.id)).status).toBe(200);
  const other = await createShop(stack, 1);
  expect((await history(other.token, grant.id)).status).toBe(404);
  expect((await history(shop.token, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
  expect((await history(shop.token, 'not-a-uuid')).status).toBe(404);
  expect((await stack.http('GET', `/v1/benefit-grants/${grant.id}/history`)).status).toBe(401);
});
