// Customers link their Discord account through the same flow as GitHub's, against a Discord
// OAuth2 stand-in: the authorize page asks for `identify guilds.join`, the callback exchanges the
// code (client credentials, our redirect_uri), reads /users/@me, stores the account (tokens sealed,
// with their expiry and refresh token) and shows it in the portal; a waiting grant of a type acting
// on Discord accounts resumes with it, and an expired token is refreshed before a strategy uses it.
import { customStrategy } from '../../benefits/custom/custom.strategy';
import { strategies } from '../../benefits/registry';
import type { BenefitStrategy } from '../../benefits/strategy';
import { createShop, grantsOf } from '../support/fixtures';
import { ENCRYPTION_KEY, linkAccount, RETURN_TO } from '../support/github.fixtures';
import { eventually, startTestStack, type TestStack } from '../support/harness';
import { SecretBox } from '../../lib/secret-box';
import { FakeDiscord } from '../fakes/discord-server';

/** A type acting on the customer's Discord account (the Discord benefit's shape), recording the token it got. */
const seenTokens: string[] = [];
const onDiscord: BenefitStrategy<any> = {
  ...customStrategy,
  // A provider stand-in (its calls are what the test watches): locked commands, shared access.
  computedOnly: false,
  sharedAccess: true,
  linkedPlatform: 'discord',
  grant: async (ctx) => {
    seenTokens.push(ctx.linkedAccount!.accessToken);
    return { properties: { granted_account_id: ctx.accountId } };
  },
};

let stack: TestStack;
let discord: FakeDiscord;
beforeAll(async () => {
  discord = await FakeDiscord.start();
  // Linking needs only the application's credentials, not the bot's token.
  const { DISCORD_BOT_TOKEN: _bot, ...application } = discord.env();
  stack = await startTestStack({
    env: { ...application, SECRET_ENCRYPTION_KEY: ENCRYPTION_KEY },
    deps: { secretBox: new SecretBox(ENCRYPTION_KEY), registry: { ...strategies, custom: onDiscord } },
  });
});
afterAll(async () => {
  await stack?.close();
  await discord?.close();
});

test('a customer links and unlinks their Discord account', async () => {
  const shop = await createShop(stack, 0);
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  const back = await linkAccount(stack, session.token, 'discord');
  expect(back.url).toBe(`${RETURN_TO}?linked=discord`);
  const [asked] = discord.authorizeRequests;
  expect(asked.get('scope')).toBe('identify guilds.join');
  expect(asked.get('client_id')).toBe(discord.clientId);
  expect(asked.get('redirect_uri')).toBe(`${stack.baseUrl}/v1/integrations/discord/callback`);

  const me = await stack.http('GET', '/v1/customer-portal/customers/me', { token: session.token });
  expect(me.body.oauth_accounts).toEqual({ discord: { account_id: '80351110224678912', account_username: 'nelly' } });
  const [row] = await stack.dataSource.query(`SELECT access_token, refresh_token, expires_at FROM oauth_accounts WHERE customer_id = $1`, [
    shop.customer.id,
  ]);
  expect(row.access_token).toMatch(/^enc:v1:/);
  expect(row.refresh_token).toMatch(/^enc:v1:/);
  expect(new Date(row.expires_at).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);

  // Unlinking removes it; an unknown platform is a 422 at the path.
  expect((await stack.http('DELETE', '/v1/customer-portal/oauth-accounts/discord', { token: session.token })).status).toBe(204);
  expect((await stack.http('GET', '/v1/customer-portal/customers/me', { token: session.token })).body.oauth_accounts).toEqual({});
  const bad = await stack.http('DELETE', '/v1/customer-portal/oauth-accounts/slack', { token: session.token });
  expect(bad.status).toBe(422);
});

test('a waiting grant resumes once the Discord account is linked; an expired token is refreshed first', async () => {
  const shop = await createShop(stack, 1); // one `custom` benefit, acting on Discord here
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await eventually(async () => ((await grantsOf(shop))[0]?.properties?.account_id === null ? true : null));
  expect(seenTokens).toHaveLength(0);

  await linkAccount(stack, session.token, 'discord');
  const [granted] = await eventually(async () => {
    const g = await grantsOf(shop, { is_granted: true });
    return g.length === 1 ? g : null;
  });
  expect(granted.properties.account_id).toBe('80351110224678912');
  expect(discord.isValid(seenTokens[0])).toBe(true);

  // The stored token has expired when the grant's next command loads the account: renewed first.
  await stack.dataSource.query(`UPDATE oauth_accounts SET expires_at = now() - interval '1 hour' WHERE customer_id = $1`, [
    shop.customer.id,
  ]);
  const [before] = await stack.dataSource.query(`SELECT access_token FROM oauth_accounts WHERE customer_id = $1`, [shop.customer.id]);
  const ref = { grantId: granted.id, organizationId: shop.organizationId, customerId: shop.customer.id, benefitId: granted.benefit_id };
  await stack.engine.commandGrantAndWait({ ...ref, benefitType: 'custom' }, { action: 'accountUnlinked' });
  const [after] = await stack.dataSource.query(`SELECT access_token, expires_at FROM oauth_accounts WHERE customer_id = $1`, [
    shop.customer.id,
  ]);
  expect(after.access_token).not.toBe(before.access_token);
  expect(after.access_token).toMatch(/^enc:v1:/);
  expect(new Date(after.expires_at).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  // Same account as the one granted: nothing was withdrawn.
  expect((await grantsOf(shop))[0].is_granted).toBe(true);
});
