// A type that acts on the customer's own provider account (linkedPlatform) waits, without an error,
// until the customer has linked one; the grant then runs with that account, and the account's
// tokens reach the strategy opened while they are stored sealed.
import type { BenefitStrategy, GrantContext } from '../../benefits/strategy';
import { customStrategy } from '../../benefits/custom/custom.strategy';
import { strategies } from '../../benefits/registry';
import { LinkedAccountsRepository } from '../../db/repositories/linked-accounts.repository';
import { SecretBox } from '../../lib/secret-box';
import { createShop, grantsOf } from '../support/fixtures';
import { eventually, startTestStack, TestStack } from '../support/harness';

const box = new SecretBox(Buffer.alloc(32, 7).toString('base64'));
const seen: { accountId: string | null; token: string | null }[] = [];
const onGitHub: BenefitStrategy<any> = {
  ...customStrategy,
  // A provider stand-in (its calls are what the test watches): locked commands, shared access.
  computedOnly: false,
  linkedPlatform: 'github',
  sharedAccess: true,
  grant: async (ctx: GrantContext) => {
    seen.push({ accountId: ctx.accountId ?? null, token: ctx.linkedAccount?.accessToken ?? null });
    return { properties: { account_id: ctx.accountId ?? null, granted_account_id: ctx.accountId ?? null } };
  },
};

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ deps: { registry: { ...strategies, custom: onGitHub }, secretBox: box } });
});
afterAll(async () => stack?.close());

test('waits on the customer without an error, then grants with the linked account once linked', async () => {
  const shop = await createShop(stack, 1);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const [waiting] = await eventually(async () => {
    const grants = await grantsOf(shop);
    return grants.length === 1 && grants[0].properties?.account_id === null ? grants : null;
  });
  expect(waiting).toMatchObject({ is_granted: false, is_revoked: false, error: null });
  expect(seen).toHaveLength(0);

  const accounts = new LinkedAccountsRepository(stack.dataSource, box);
  await accounts.link(stack.dataSource, {
    organizationId: shop.organizationId,
    customerId: shop.customer.id,
    platform: 'github',
    accountId: '583231',
    accountUsername: 'octocat',
    accessToken: 'gho_secret_token',
    refreshToken: null,
    expiresAt: null,
    scope: null,
  });
  const [stored] = await stack.dataSource.query(`SELECT access_token FROM oauth_accounts WHERE customer_id = $1`, [shop.customer.id]);
  expect(stored.access_token).not.toContain('gho_secret_token');

  await stack.engine.commandGrantAndWait(
    {
      grantId: waiting.id,
      organizationId: shop.organizationId,
      customerId: shop.customer.id,
      benefitId: waiting.benefit_id,
      benefitType: 'custom',
    },
    { action: 'accountLinked', accountId: null },
  );
  const [granted] = await grantsOf(shop);
  expect(granted).toMatchObject({ is_granted: true, error: null, properties: { account_id: '583231' } });
  expect(seen).toEqual([{ accountId: '583231', token: 'gho_secret_token' }]);
});
