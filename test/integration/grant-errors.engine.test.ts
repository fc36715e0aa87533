// The error kinds of a provider, through the real activities and workflows: retriable (honouring
// retry-after) and action required (parked, then resumed once the customer links an account).
import type { BenefitStrategy, GrantContext } from '../../benefits/strategy';
import { customStrategy } from '../../benefits/custom/custom.strategy';
import { strategies } from '../../benefits/registry';
import { ActionRequiredError, RetriableError } from '../../benefits/strategy-errors';
import { createShop, grantsOf } from '../support/fixtures';
import { eventually, startTestStack, TestStack } from '../support/harness';

/** A provider stand-in: fails as told, per customer email, and records every call. */
class ScriptedProvider {
  calls: { email: string; at: number; accountId: string | null }[] = [];
  script = new Map<string, ('retry' | 'needs-account' | 'ok')[]>();

  strategy(): BenefitStrategy<any> {
    return {
      ...customStrategy,
      // A provider stand-in (its calls are what the test watches): locked commands, shared access.
      computedOnly: false,
      sharedAccess: true,
      grant: async (ctx: GrantContext) => {
        this.calls.push({ email: ctx.customer.email, at: Date.now(), accountId: ctx.accountId ?? null });
        const step = this.script.get(ctx.customer.email)?.shift() ?? 'ok';
        if (step === 'retry') throw new RetriableError('rate limited', 1_500);
        if (step === 'needs-account' && !ctx.accountId) throw new ActionRequiredError('Link your account to receive this benefit');
        return { properties: { account: ctx.accountId ?? null } };
      },
    };
  }
}

const provider = new ScriptedProvider();
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ deps: { registry: { ...strategies, custom: provider.strategy() } } });
});
afterAll(async () => stack?.close());

test('a retriable failure is retried after the provider retry-after, then granted', async () => {
  const shop = await createShop(stack, 1);
  provider.script.set(shop.customer.email, ['retry', 'ok']);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await eventually(async () => (await grantsOf(shop, { is_granted: true })).length === 1);
  const calls = provider.calls.filter((c) => c.email === shop.customer.email);
  expect(calls).toHaveLength(2);
  expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(1_400);
});

test('an action-required failure parks the grant until the customer links an account', async () => {
  const shop = await createShop(stack, 1);
  provider.script.set(shop.customer.email, ['needs-account', 'needs-account']);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const [parked] = await eventually(async () => {
    const grants = await grantsOf(shop);
    return grants.length === 1 && grants[0].error ? grants : null;
  });
  expect(parked).toMatchObject({ is_granted: false, is_revoked: false, error: { type: 'action_required' } });
  // Not retried on its own: exactly one attempt so far.
  expect(provider.calls.filter((c) => c.email === shop.customer.email)).toHaveLength(1);

  // The customer links an account. The portal takes properties.account_id only for the types that
  // link accounts (GitHub, Discord; see customer-portal-guards), so this custom stand-in resumes
  // through the engine command the portal sends for those.
  await stack.engine.commandGrantAndWait(
    {
      grantId: parked.id,
      organizationId: shop.organizationId,
      customerId: shop.customer.id,
      benefitId: parked.benefit_id,
      benefitType: 'custom',
    },
    { action: 'accountLinked', accountId: 'acct-42' },
  );
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  const resumed = await stack.polar(session.token).customerPortal.benefitGrants.get(parked.id);
  expect(resumed.is_granted).toBe(true);
  expect(resumed.error).toBeNull();
  expect(provider.calls.filter((c) => c.email === shop.customer.email).map((c) => c.accountId)).toEqual([null, 'acct-42']);
});
