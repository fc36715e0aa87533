// discord.js's REST client, as buildProviders configures it, against the local Discord stand-in:
// the bot token is sent and checked, a short 429 is waited out once (Retry-After), a long one is
// handed to Temporal as a retry-after instead of being hammered, 5xx is retried, and Discord's
// error codes become the strategy error kinds.
import { getEventListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Routes } from 'discord.js';
import { translateDiscordError } from '../../benefits/discord/discord-errors';
import { loadGuild } from '../../benefits/discord/discord-guild';
import { buildProviders, type DiscordProvider } from '../../benefits/providers';
import { ActionRequiredError, InvalidConfigurationError, RetriableError } from '../../benefits/strategy-errors';
import { parseConfig } from '../../config/config';
import { discordRest } from '../../integrations/discord/discord-rest';
import { FakeDiscord } from '../fakes/discord-server';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await FakeDiscord.start();
});
afterAll(async () => fake?.close());

function discord(env: Record<string, string> = {}): DiscordProvider {
  const providers = buildProviders(parseConfig({ ...fake.env(), DISCORD_RATE_LIMIT_MAX_WAIT_SECONDS: '5', ...env }));
  return providers.discord!;
}

async function failure(p: Promise<unknown>, what = 'test'): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return translateDiscordError(err, what);
  }
  throw new Error('expected a failure');
}

test('without the settings there is no client, and the missing ones are named', () => {
  const providers = buildProviders(parseConfig({ DISCORD_BOT_TOKEN: 'x' }));
  expect(providers.discord).toBeUndefined();
  expect(providers.unconfigured?.discord).toEqual(['DISCORD_CLIENT_ID', 'DISCORD_CLIENT_SECRET']);
});

test('sends the bot token at DISCORD_API_URL; a wrong token is refused', async () => {
  fake.addGuild('101', 'Guild 101', [['1011', 'Members', 3]]);
  const guild = await loadGuild(discord(), '101');
  expect(guild).toMatchObject({ id: '101', name: 'Guild 101', botUserId: fake.botUserId, botTopPosition: 10 });
  expect(fake.calls('GET', /^\/guilds\/101$/).map((r) => r.authorization)).toEqual(['Bot fake-bot-token']);

  const err = await failure(discord({ DISCORD_BOT_TOKEN: 'wrong' }).rest.get(Routes.guild('101')));
  expect(err).toBeInstanceOf(InvalidConfigurationError);
  expect(err.message).toMatch(/DISCORD_BOT_TOKEN/);
});

test('a short 429 is waited out (Retry-After) and the call sent once more, not hammered', async () => {
  fake.addGuild('102', 'Guild 102', []);
  fake.inject({ method: 'GET', path: /^\/guilds\/102$/, status: 429, retryAfter: 1 });
  const guild = (await discord().rest.get(Routes.guild('102'))) as { name: string };
  expect(guild.name).toBe('Guild 102');
  const calls = fake.calls('GET', /^\/guilds\/102$/);
  expect(calls.map((c) => c.status)).toEqual([429, 200]);
  expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(1000);
});

test('the global limit (X-RateLimit-Global) is waited out as well', async () => {
  fake.addGuild('103', 'Guild 103', []);
  fake.inject({ method: 'GET', path: /^\/guilds\/103$/, status: 429, retryAfter: 1, global: true });
  await discord().rest.get(Routes.guild('103'));
  const calls = fake.calls('GET', /^\/guilds\/103$/);
  expect(calls.map((c) => c.status)).toEqual([429, 200]);
  expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(1000);
});

test('a 429 longer than DISCORD_RATE_LIMIT_MAX_WAIT_SECONDS becomes a retry-after for Temporal', async () => {
  fake.addGuild('104', 'Guild 104', []);
  fake.inject({ method: 'GET', path: /^\/guilds\/104$/, status: 429, retryAfter: 120 });
  const started = Date.now();
  const err = await failure(discord().rest.get(Routes.guild('104')));
  expect(err).toBeInstanceOf(RetriableError);
  expect((err as RetriableError).retryAfterMs).toBeGreaterThanOrEqual(120_000);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(fake.calls('GET', /^\/guilds\/104$/)).toHaveLength(1);
});

test('5xx is retried by the client; persistent 5xx is retriable', async () => {
  fake.addGuild('105', 'Guild 105', []);
  fake.inject({ method: 'GET', path: /^\/guilds\/105$/, status: 502, times: 2 });
  await discord().rest.get(Routes.guild('105'));
  expect(fake.calls('GET', /^\/guilds\/105$/).map((c) => c.status)).toEqual([502, 502, 200]);

  fake.inject({ method: 'GET', path: /^\/guilds\/105$/, status: 503, times: 4 });
  expect(await failure(discord().rest.get(Routes.guild('105')))).toBeInstanceOf(RetriableError);
});

test("Discord's refusals map onto the strategy error kinds", async () => {
  fake.addGuild('106', 'Guild 106', [['1061', 'Members', 3]]);
  fake.inject({ method: 'PUT', path: /roles/, status: 403 });
  const forbidden = await failure(discord().rest.put(Routes.guildMemberRole('106', fake.botUserId, '1061')), 'assign the role');
  expect(forbidden).toBeInstanceOf(InvalidConfigurationError);
  expect(forbidden.message).toMatch(/Missing Permissions/);

  const unknown = await failure(discord().rest.put(Routes.guildMemberRole('106', '555', '1061')), 'assign the role');
  expect(unknown).toBeInstanceOf(ActionRequiredError);
});

// discord.js hangs an `abort` listener on the caller's signal per request and never takes it off;
// activities pass one signal for all their calls (integrations/discord/discord-rest.ts).
test('many calls under one activity signal leave no listeners on it; aborting it still stops a call in flight', async () => {
  fake.addGuild('303', 'Guild 303', [['3031', 'Members', 3]]);
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const activity = new AbortController();
    const rest = discord().rest;
    for (let i = 0; i < 30; i++) await rest.get(Routes.guild('303'), { signal: activity.signal });
    expect(getEventListeners(activity.signal, 'abort')).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  } finally {
    process.off('warning', onWarning);
  }

  // A Discord that never answers: the activity's cancellation must still end the call.
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const { port } = silent.address() as AddressInfo;
    const rest = discordRest({ apiUrl: `http://127.0.0.1:${port}/api/v10`, rateLimitMaxWaitMs: 1_000 });
    const activity = new AbortController();
    const call = rest.get(Routes.guild('303'), { signal: activity.signal, auth: false });
    setTimeout(() => activity.abort(), 50);
    const started = Date.now();
    await expect(call).rejects.toThrow(/abort/i);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(getEventListeners(activity.signal, 'abort')).toHaveLength(0);
  } finally {
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  }
});
