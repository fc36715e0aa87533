// The discord benefit through the real API, workflows and activities against the Discord stand-in:
// join with the role (201) or assign it to a member (204), wait for a linked account, refresh an
// expired user token (or park the grant when Discord refuses to), kick or take the role back only when no other granted grant still gives it,
// move holders on a role change, honour a rate limit's retry-after, and show Discord's refusals
// on the grant (organization API, portal, Web UI).
import { LinkedAccountsRepository } from '../../db/repositories/linked-accounts.repository';
import { SecretBox } from '../../lib/secret-box';
import { FakeDiscord } from '../fakes/discord-server';
import { discordShops } from '../support/discord-shop';
import { eventually, startTestStack, type TestStack } from '../support/harness';

const box = new SecretBox(Buffer.alloc(32, 9).toString('base64'));
let fake: FakeDiscord;
let stack: TestStack;
let accounts: LinkedAccountsRepository;
let kit: ReturnType<typeof discordShops>;
const shop = () => kit.shop();
const link = (...a: Parameters<typeof kit.link>) => kit.link(...a);
const grants = (...a: Parameters<typeof kit.grants>) => kit.grants(...a);
const buy = (...a: Parameters<typeof kit.buy>) => kit.buy(...a);
const refund = (...a: Parameters<typeof kit.refund>) => kit.refund(...a);

beforeAll(async () => {
  fake = await FakeDiscord.start();
  // Rate limits go to Temporal at once here, so a retry-after is seen honoured by the engine.
  stack = await startTestStack({ env: { ...fake.env(), DISCORD_RATE_LIMIT_MAX_WAIT_SECONDS: '0' }, deps: { secretBox: box } });
  accounts = new LinkedAccountsRepository(stack.dataSource, box);
  kit = discordShops(stack, fake, accounts, '70');
});
afterAll(async () => {
  await stack?.close();
  await fake?.close();
});

const memberPuts = (guildId: string, userId: string) => fake.calls('PUT', new RegExp(`^/guilds/${guildId}/members/${userId}$`));
const rolePuts = (guildId: string, userId: string) => fake.calls('PUT', new RegExp(`^/guilds/${guildId}/members/${userId}/roles/`));

test('a new member joins with the role (201); a member already there gets the role (204, then PUT role)', async () => {
  const s = await shop();
  const b = await s.benefit(`${s.guildId}1`, false);
  const p = await s.product([b.id]);

  const newcomer = await s.customer('1001');
  const { granted } = await buy(s, newcomer.id, p.id, 1);
  expect(granted[0].properties).toMatchObject({
    account_id: '1001',
    guild_id: s.guildId,
    role_id: `${s.guildId}1`,
    granted_account_id: '1001',
  });
  const join = memberPuts(s.guildId, '1001');
  expect(join.map((r) => r.status)).toEqual([201]);
  expect(join[0].authorization).toBe(`Bot ${fake.botToken}`);
  expect(join[0].body).toMatchObject({ roles: [`${s.guildId}1`] });
  expect(fake.userTokens.get(join[0].body.access_token)?.userId).toBe('1001');
  expect(rolePuts(s.guildId, '1001')).toHaveLength(0);
  expect(fake.rolesOf(s.guildId, '1001')).toEqual([`${s.guildId}1`]);

  fake.guilds.get(s.guildId)!.members.set('1002', new Set());
  const member = await s.customer('1002');
  await buy(s, member.id, p.id, 1);
  expect(memberPuts(s.guildId, '1002').map((r) => r.status)).toEqual([204]);
  expect(rolePuts(s.guildId, '1002').map((r) => r.status)).toEqual([204]);
  expect(fake.rolesOf(s.guildId, '1002')).toEqual([`${s.guildId}1`]);
});

test('waits for a linked Discord account, then grants; an expired user token is refreshed and stored sealed', async () => {
  const s = await shop();
  const b = await s.benefit(`${s.guildId}1`, false);
  const p = await s.product([b.id]);
  const c = await s.customer('1101', { link: false });
  await s.polar.orders.create({ customer_id: c.id, product_id: p.id });
  const [waiting] = await eventually(async () => {
    const g = await grants(s, c.id);
    return g.length === 1 && g[0].properties?.account_id === null ? g : null;
  });
  expect(waiting).toMatchObject({ is_granted: false, error: null });

  const old = await link(s.organizationId, c.id, '1101', new Date(Date.now() - 60_000));
  await stack.engine.commandGrantAndWait(
    { grantId: waiting.id, organizationId: s.organizationId, customerId: c.id, benefitId: b.id, benefitType: 'discord' },
    { action: 'accountLinked', accountId: null },
  );
  expect((await grants(s, c.id))[0]).toMatchObject({ is_granted: true, error: null });
  const refreshed = fake.calls('POST', /^\/oauth2\/token$/).filter((r) => r.body?.refresh_token === old.refreshToken);
  expect(refreshed).toHaveLength(1);
  const [join] = memberPuts(s.guildId, '1101');
  expect(join.body.access_token).not.toBe(old.accessToken);
  const stored = await accounts.find(stack.dataSource, c.id, 'discord');
  expect(stored).toMatchObject({ accessToken: join.body.access_token });
  expect(stored!.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  const [raw] = await stack.dataSource.query(`SELECT access_token FROM oauth_accounts WHERE customer_id = $1`, [c.id]);
  expect(raw.access_token).not.toContain(join.body.access_token);
});

test('an expired user token whose renewal Discord refuses parks the grant for the customer, untried', async () => {
  const s = await shop();
  const b = await s.benefit(`${s.guildId}1`, false);
  const p = await s.product([b.id]);
  const c = await s.customer('1151', { expiresAt: new Date(Date.now() - 60_000) });
  const [refreshToken] = [...fake.refreshTokens].find(([, userId]) => userId === '1151')!;
  fake.refreshTokens.delete(refreshToken); // the customer revoked our access on Discord
  await s.polar.orders.create({ customer_id: c.id, product_id: p.id });
  const [parked] = await eventually(async () => {
    const g = await grants(s, c.id);
    return g.length === 1 && g[0].error ? g : null;
  });
  expect(parked.error).toMatchObject({
    type: 'action_required',
    message: 'Your Discord authorization expired. Link your Discord account again.',
  });
  expect(fake.calls('POST', /^\/oauth2\/token$/).filter((r) => r.body?.refresh_token === refreshToken).length).toBeGreaterThan(0);
  expect(memberPuts(s.guildId, '1151')).toHaveLength(0);
});

test("Discord rate-limiting a token refresh: the grant's attempt waits Discord's retry-after", async () => {
  const s = await shop();
  const b = await s.benefit(`${s.guildId}1`, false);
  const p = await s.product([b.id]);
  const c = await s.customer('1161', { expiresAt: new Date(Date.now() - 60_000) });
  const [refreshToken] = [...fake.refreshTokens].find(([, userId]) => userId === '1161')!;
  fake.inject({ method: 'POST', path: /^\/oauth2\/token$/, status: 429, retryAfter: 2 });
  await buy(s, c.id, p.id, 1);
  const refreshes = fake.calls('POST', /^\/oauth2\/token$/).filter((r) => r.body?.refresh_token === refreshToken);
  expect(refreshes.map((r) => r.status)).toEqual([429, 200]);
  expect(refreshes[1].at - refreshes[0].at).toBeGreaterThanOrEqual(2000);
  expect(memberPuts(s.guildId, '1161').map((r) => r.status)).toEqual([201]);
});

test('kick_member kicks only when no other granted grant keeps the account in the server', async () => {
  const s = await shop();
  const kick = await s.benefit(`${s.guildId}1`, true);
  const keep = await s.benefit(`${s.guildId}2`, false);
  const pKick = await s.product([kick.id]);
  const pKeep = await s.product([keep.id]);
  const c = await s.customer('1201');
  const first = await buy(s, c.id, pKick.id, 1);
  const second = await buy(s, c.id, pKick.id, 1); // a second source of the same benefit
  const other = await buy(s, c.id, pKeep.id, 1); // another benefit in the same server
  expect(fake.rolesOf(s.guildId, '1201')).toEqual([`${s.guildId}1`, `${s.guildId}2`]);
  const kicks = () => fake.calls('DELETE', new RegExp(`^/guilds/${s.guildId}/members/1201$`));

  await refund(s, first.order, c.id); // the same benefit still granted by the second order
  expect(kicks()).toHaveLength(0);
  expect(fake.rolesOf(s.guildId, '1201')).toEqual([`${s.guildId}1`, `${s.guildId}2`]);

  await refund(s, second.order, c.id); // the other benefit keeps them in the server: the role goes
  expect(kicks()).toHaveLength(0);
  expect(fake.rolesOf(s.guildId, '1201')).toEqual([`${s.guildId}2`]);

  // Bought again, then the server-keeping benefit goes first, then the kick benefit: kicked.
  const again = await buy(s, c.id, pKick.id, 1);
  await refund(s, other.order, c.id);
  expect(fake.rolesOf(s.guildId, '1201')).toEqual([`${s.guildId}1`]);
  await refund(s, again.order, c.id);
  expect(kicks().map((r) => r.status)).toEqual([204]);
  expect(fake.rolesOf(s.guildId, '1201')).toBeUndefined();
});

test('without kick_member the role is removed only when no other granted grant gives that role', async () => {
  const s = await shop();
  const a = await s.benefit(`${s.guildId}1`, false);
  const b = await s.benefit(`${s.guildId}1`, false); // the same role through another benefit
  const pa = await s.product([a.id]);
  const pb = await s.product([b.id]);
  const c = await s.customer('1301');
  const oa = await buy(s, c.id, pa.id, 1);
  const ob = await buy(s, c.id, pb.id, 1);
  const unroles = () => fake.calls('DELETE', new RegExp(`^/guilds/${s.guildId}/members/1301/roles/`));

  await refund(s, oa.order, c.id);
  expect(unroles()).toHaveLength(0);
  expect(fake.rolesOf(s.guildId, '1301')).toEqual([`${s.guildId}1`]);
  await refund(s, ob.order, c.id);
  expect(unroles().map((r) => r.status)).toEqual([204]);
  expect(fake.rolesOf(s.guildId, '1301')).toEqual([]); // still a member, without the role
});

test('a role change moves every holder: the old role removed, then the new one added', async () => {
  const s = await shop();
  const b = await s.benefit(`${s.guildId}1`, false);
  const p = await s.product([b.id]);
  const c1 = await s.customer('1401');
  const c2 = await s.customer('1402');
  await buy(s, c1.id, p.id, 1);
  await buy(s, c2.id, p.id, 1);
  await s.polar.benefits.update(b.id, {
    type: 'discord',
    properties: { guild_token: s.guildToken, role_id: `${s.guildId}2`, kick_member: false },
  });
  await eventually(
    async () => fake.rolesOf(s.guildId, '1401')?.join() === `${s.guildId}2` && fake.rolesOf(s.guildId, '1402')?.join() === `${s.guildId}2`,
  );
  const order = fake.requests
    .filter((r) => r.path.startsWith(`/guilds/${s.guildId}/members/1401/roles/`))
    .map((r) => `${r.method} ${r.path.split('/').pop()}`);
  expect(order.slice(-2)).toEqual([`DELETE ${s.guildId}1`, `PUT ${s.guildId}2`]);
  const [g] = await grants(s, c1.id);
  expect(g.properties).toMatchObject({ role_id: `${s.guildId}2`, granted_account_id: '1401' });
});

test("a rate limit's retry-after is waited (by Temporal), not hammered", async () => {
  const s = await shop();
  const b = await s.benefit(`${s.guildId}1`, false);
  const p = await s.product([b.id]);
  const c = await s.customer('1501');
  fake.inject({ method: 'PUT', path: new RegExp(`^/guilds/${s.guildId}/members/1501$`), status: 429, retryAfter: 2 });
  await buy(s, c.id, p.id, 1);
  const puts = memberPuts(s.guildId, '1501');
  expect(puts.map((r) => r.status)).toEqual([429, 201]);
  expect(puts[1].at - puts[0].at).toBeGreaterThanOrEqual(2000);
});

test('Missing Permissions is stored as the grant error: organization API, portal and Web UI show it', async () => {
  const s = await shop();
  const b = await s.benefit(`${s.guildId}1`, false);
  const p = await s.product([b.id]);
  const c = await s.customer('1601');
  fake.guilds.get(s.guildId)!.missingPermissions = true;
  await s.polar.orders.create({ customer_id: c.id, product_id: p.id });
  const [failed] = await eventually(async () => {
    const g = await grants(s, c.id);
    return g.length === 1 && g[0].error ? g : null;
  });
  expect(failed).toMatchObject({
    is_granted: false,
    error: { type: 'invalid_configuration', message: expect.stringMatching(/Missing Permissions/) },
  });

  const session = await s.polar.customerSessions.create({ customer_id: c.id });
  const portal = await stack.polar(session.token).customerPortal.benefitGrants.get(failed.id);
  expect(portal.error.message).toMatch(/Missing Permissions/);
  expect(portal.benefit.properties).toEqual({ guild_id: s.guildId });

  const handle = stack.temporal.workflow.getHandle(`grant:${failed.id}`);
  const described = await eventually(async () => {
    const d = await handle.describe();
    return (d.searchAttributes.GrantStatus as string[] | undefined)?.[0] === 'failed' ? d : null;
  });
  expect(described.searchAttributes.BenefitType).toEqual(['discord']);
  const state = await handle.query<{ error: { message: string } | null }>('grantState');
  expect(state.error?.message).toMatch(/Missing Permissions/);
});

test('a Discord authorization the customer revoked parks the grant for them; linking again resumes it', async () => {
  const s = await shop();
  const b = await s.benefit(`${s.guildId}1`, false);
  const p = await s.product([b.id]);
  const c = await s.customer('1701', { link: false });
  await accounts.link(stack.dataSource, {
    organizationId: s.organizationId,
    customerId: c.id,
    platform: 'discord',
    accountId: '1701',
    accountUsername: 'revoked',
    accessToken: 'a-token-discord-no-longer-honours',
    refreshToken: null,
    expiresAt: null,
    scope: 'identify guilds.join',
  });
  await s.polar.orders.create({ customer_id: c.id, product_id: p.id });
  const [parked] = await eventually(async () => {
    const g = await grants(s, c.id);
    return g.length === 1 && g[0].error ? g : null;
  });
  expect(parked.error).toMatchObject({ type: 'action_required', message: expect.stringMatching(/Link your Discord account again/) });
  expect(memberPuts(s.guildId, '1701').map((r) => r.status)).toEqual([403]);

  await link(s.organizationId, c.id, '1701');
  await stack.engine.commandGrantAndWait(
    { grantId: parked.id, organizationId: s.organizationId, customerId: c.id, benefitId: b.id, benefitType: 'discord' },
    { action: 'accountLinked', accountId: '1701' },
  );
  expect((await grants(s, c.id))[0]).toMatchObject({ is_granted: true, error: null });
  expect(fake.rolesOf(s.guildId, '1701')).toEqual([`${s.guildId}1`]);
});
