// Discord's OAuth client (discord.js REST, as buildProviders configures it) against the Discord
// stand-in: the customer's consent page, the code exchange and who-am-I, the refresh that rotates
// the refresh token, the bot-install code naming the server; the client credentials go as HTTP
// Basic only; Discord busy, down or unreachable is retriable with Discord's wait, a refusal is not.
import { buildProviders } from '../../benefits/providers';
import { parseConfig } from '../../config/config';
import type { DiscordOAuth } from '../../integrations/discord/discord-oauth.client';
import { RetriableError } from '../../lib/retriable-error';
import { FakeDiscord } from '../fakes/discord-server';

const REDIRECT = 'https://shop.example/v1/integrations/discord/callback';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await FakeDiscord.start();
});
afterAll(async () => fake?.close());

function oauth(env: Record<string, string> = {}): DiscordOAuth {
  return buildProviders(parseConfig({ ...fake.env(), DISCORD_RATE_LIMIT_MAX_WAIT_SECONDS: '5', ...env })).discordOAuth!;
}

/** The customer approves on the consent page; answers the code Discord sends back. */
async function approve(client: DiscordOAuth, state = 's1'): Promise<string> {
  const page = await fetch(client.authorizeUrl(REDIRECT, state), { redirect: 'manual' });
  const back = new URL(page.headers.get('location')!);
  expect(back.searchParams.get('state')).toBe(state);
  return back.searchParams.get('code')!;
}

const tokenCalls = () => fake.calls('POST', /^\/oauth2\/token$/);

test('a code is exchanged once for tokens that name the customer; the credentials go as Basic only', async () => {
  const client = oauth();
  const code = await approve(client);
  const asked = fake.authorizeRequests.at(-1)!;
  expect(Object.fromEntries(asked)).toMatchObject({ client_id: fake.clientId, scope: 'identify guilds.join', redirect_uri: REDIRECT });

  const tokens = await client.exchangeCode(code, REDIRECT);
  expect(tokens).toMatchObject({ refreshToken: expect.any(String), scope: 'identify guilds.join' });
  expect(tokens!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  expect(await client.user(tokens!.accessToken)).toEqual({ id: fake.signedInAs.id, login: fake.signedInAs.username });

  const [sent] = tokenCalls().slice(-1);
  expect(sent.authorization).toBe(`Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`);
  expect(sent.body).toEqual({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });

  // Used, or sent back with another redirect_uri: refused, not an error.
  expect(await client.exchangeCode(code, REDIRECT)).toBeNull();
  expect(await client.exchangeCode(await approve(client), 'https://elsewhere.example/cb')).toBeNull();
  // Wrong client credentials are a refusal too.
  expect(await oauth({ DISCORD_CLIENT_SECRET: 'wrong' }).exchangeCode(await approve(client), REDIRECT)).toBeNull();
});

test('a refresh rotates the pair: the old refresh token is refused afterwards', async () => {
  const client = oauth();
  const { refreshToken } = fake.addUser('3001');
  const fresh = await client.refresh(refreshToken);
  expect(fresh).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
  expect(fake.isValid(fresh!.accessToken)).toBe(true);
  expect(fresh!.refreshToken).not.toBe(refreshToken);
  expect(await client.refresh(refreshToken)).toBeNull();
});

test('a token Discord does not honour is an Error naming the status, never a user', async () => {
  await expect(oauth().user('not-a-token')).rejects.toThrow(/Discord answered HTTP 401 for the user/);
});

test('the bot-install code names the server the merchant picked; a bad code is refused', async () => {
  const client = oauth();
  fake.addGuild('3101', 'Guild 3101', []);
  fake.installInto = '3101';
  const page = await fetch(
    `${fake.origin}/oauth2/authorize?client_id=${fake.clientId}&scope=bot&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    {
      redirect: 'manual',
    },
  );
  const code = new URL(page.headers.get('location')!).searchParams.get('code')!;
  expect(await client.exchangeInstallCode(code, REDIRECT)).toBe('3101');
  expect(await client.exchangeInstallCode(code, REDIRECT)).toBeNull();
});

test('Discord busy, down or out of reach is retriable with its wait; the request is not hammered', async () => {
  const client = oauth();
  const { refreshToken } = fake.addUser('3201');
  fake.inject({ method: 'POST', path: /^\/oauth2\/token$/, status: 429, retryAfter: 120 });
  const before = tokenCalls().length;
  const limited = await client.refresh(refreshToken).catch((err: unknown) => err);
  expect(limited).toBeInstanceOf(RetriableError);
  expect((limited as RetriableError).retryAfterMs).toBeGreaterThanOrEqual(120_000);
  expect(tokenCalls().length - before).toBe(1);

  fake.inject({ method: 'GET', path: /^\/users\/@me$/, status: 503, times: 4 });
  await expect(client.user(fake.addUser('3202').accessToken)).rejects.toBeInstanceOf(RetriableError);

  const unreachable = oauth({ DISCORD_API_URL: 'http://127.0.0.1:9/api/v10' });
  const down = await unreachable.refresh(refreshToken).catch((err: unknown) => err);
  expect(down).toBeInstanceOf(RetriableError);
  // No secret in what is thrown (it may be logged).
  expect(JSON.stringify({ ...(down as object), message: (down as Error).message })).not.toContain(refreshToken);
});

test('each client is built once, on first use; the bot shares the OAuth client', () => {
  const providers = buildProviders(parseConfig(fake.env()));
  expect(providers.discord).toBe(providers.discord);
  expect(providers.discord!.oauth).toBe(providers.discordOAuth);
  expect(providers.storage).toBe(providers.storage);
  const linkingOnly = buildProviders(parseConfig({ DISCORD_CLIENT_ID: fake.clientId, DISCORD_CLIENT_SECRET: fake.clientSecret }));
  expect(linkingOnly.discord).toBeUndefined();
  expect(linkingOnly.discordOAuth).toBeDefined();
  expect(linkingOnly.unconfigured).toEqual({
    discord: ['DISCORD_BOT_TOKEN'],
    github: ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'],
  });
});
