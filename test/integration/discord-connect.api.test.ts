// Connecting a Discord server over HTTP (bot-authorize, the install page, bot-callback, lookup)
// and creating `discord` benefits: the guild token must be this organization's and the role one
// the bot can grant, else 422 at the field saying why; without the settings, 422 naming them.
import { FakeDiscord } from '../fakes/discord-server';
import { connectGuild, installBot, RETURN_TO } from '../support/discord.fixtures';
import { startTestStack, type TestStack } from '../support/harness';
import { expectMatchesComponent } from '../support/spec-validator';
import { failure, locs } from '../support/two-organizations';

let fake: FakeDiscord;
let stack: TestStack;
let org: { organizationId: string; accessToken: string };
let other: { organizationId: string; accessToken: string };

beforeAll(async () => {
  fake = await FakeDiscord.start();
  // Roles: Members (3) and Helpers (5) below the bot's role (10); Admins (12) above it.
  fake.addGuild(
    '700',
    'Makers',
    [
      ['7001', 'Members', 3],
      ['7002', 'Helpers', 5],
      ['7003', 'Admins', 12],
    ],
    10,
    false,
  );
  fake.addGuild('800', 'Elsewhere', [['8001', 'Members', 3]], 10, false);
  stack = await startTestStack({ env: fake.env(), worker: false });
  org = await stack.createOrganization('Discord org');
  other = await stack.createOrganization('Other org');
});
afterAll(async () => {
  await stack?.close();
  await fake?.close();
});

const create = (token: string, properties: Record<string, unknown>) =>
  stack.polar(token).benefits.create({ type: 'discord', description: 'Discord role', properties });

test('bot-authorize -> install page -> bot-callback hands return_to a guild token; lookup shows the roles', async () => {
  const trip = await installBot(stack, fake, org.accessToken, '700');
  const q = trip.authorizeUrl.searchParams;
  expect(`${trip.authorizeUrl.origin}${trip.authorizeUrl.pathname}`).toBe(`${fake.origin}/oauth2/authorize`);
  expect({ scope: q.get('scope'), permissions: q.get('permissions'), client_id: q.get('client_id') }).toEqual({
    scope: 'bot',
    permissions: String((1n << 28n) | 2n | 1n), // manage roles, kick members, create instant invite
    client_id: fake.clientId,
  });
  expect(q.get('redirect_uri')).toBe(`${stack.baseUrl}/v1/integrations/discord/bot-callback`);
  expect(`${trip.returnedTo.origin}${trip.returnedTo.pathname}`).toBe('https://merchant.example/discord/done');
  expect(trip.returnedTo.searchParams.get('step')).toBe('2');
  expect(trip.guildToken).toBeTruthy();
  // The bot's token checked that the bot sits in the server.
  expect(fake.calls('GET', /^\/guilds\/700$/).at(-1)?.authorization).toBe(`Bot ${fake.botToken}`);

  const lookup = await stack.http('GET', `/v1/integrations/discord/guild/lookup?guild_token=${trip.guildToken}`, {
    token: org.accessToken,
  });
  expect(lookup.status).toBe(200);
  expectMatchesComponent('DiscordGuild', lookup.body);
  expect(lookup.body).toEqual({
    name: 'Makers',
    roles: [
      { id: '7003', name: 'Admins', position: 12, is_polar_bot: false, color: '#ff0000' },
      { id: '7009', name: 'Benefits Bot', position: 10, is_polar_bot: true, color: '#5865f2' },
      { id: '7002', name: 'Helpers', position: 5, is_polar_bot: false, color: '#ff0000' },
      { id: '7001', name: 'Members', position: 3, is_polar_bot: false, color: '#ff0000' },
    ],
  });
  // Another organization cannot read it with this token.
  const theirs = await stack.http('GET', `/v1/integrations/discord/guild/lookup?guild_token=${trip.guildToken}`, {
    token: other.accessToken,
  });
  expect(theirs.status).toBe(422);
  expect(theirs.body.detail[0].loc).toEqual(['query', 'guild_token']);
});

test('bot-callback refuses an altered state, a code for another server, a server without the bot; passes a cancel on', async () => {
  const start = await stack.http('GET', `/v1/integrations/discord/bot-authorize?return_to=${encodeURIComponent(RETURN_TO)}`, {
    token: org.accessToken,
  });
  const state = new URL(start.body.url).searchParams.get('state')!;
  const callback = (q: Record<string, string>) => stack.http('GET', `/v1/integrations/discord/bot-callback?${new URLSearchParams(q)}`);

  const altered = await callback({ state: `${state.slice(0, -2)}xx`, code: 'c', guild_id: '700' });
  expect([altered.status, altered.body.detail[0].loc]).toEqual([422, ['query', 'state']]);

  fake.installCodes.set('code-for-800', '800');
  const mismatch = await callback({ state, code: 'code-for-800', guild_id: '700' });
  expect([mismatch.status, mismatch.body.detail[0].loc]).toEqual([422, ['query', 'code']]);

  fake.installCodes.set('code-for-800b', '800'); // the bot never joined 800
  const absent = await callback({ state, code: 'code-for-800b', guild_id: '800' });
  expect([absent.status, absent.body.detail[0].loc]).toEqual([422, ['query', 'guild_id']]);

  const cancelled = await fetch(
    `${stack.baseUrl}/v1/integrations/discord/bot-callback?${new URLSearchParams({ state, error: 'access_denied' })}`,
    {
      redirect: 'manual',
    },
  );
  expect(cancelled.status).toBe(303);
  expect(new URL(cancelled.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
});

test('create validates the guild token and the role, naming the field and why', async () => {
  const token = await connectGuild(stack, fake, org.accessToken, '700');
  const created = await create(org.accessToken, { guild_token: token, role_id: '7001', kick_member: true });
  expect(created.properties).toEqual({ guild_id: '700', role_id: '7001', kick_member: true, guild_token: token });

  const cases: [Record<string, unknown>, string[], RegExp][] = [
    [{ role_id: '7999' }, ['role_id'], /does not exist/],
    [{ role_id: '700' }, ['role_id'], /@everyone/],
    [{ role_id: '7009' }, ['role_id'], /managed/],
    [{ role_id: '7003' }, ['role_id'], /above the bot's highest role/],
    [{ guild_token: `${token}x` }, ['guild_token'], /Invalid guild token/],
  ];
  for (const [change, loc, msg] of cases) {
    const { statusCode, error } = await failure(
      create(org.accessToken, { guild_token: token, role_id: '7001', kick_member: false, ...change }),
    );
    expect({ statusCode, loc: locs(error) }).toEqual({ statusCode: 422, loc: [['body', 'properties', ...loc]] });
    expect(error.detail[0].msg).toMatch(msg);
  }
  // Another organization cannot use this organization's server.
  const theirs = await failure(create(other.accessToken, { guild_token: token, role_id: '7001', kick_member: false }));
  expect(locs(theirs.error)).toEqual([['body', 'properties', 'guild_token']]);

  // Update validates the same way.
  const patched = await failure(
    stack.polar(org.accessToken).benefits.update(created.id, {
      type: 'discord',
      properties: { guild_token: token, role_id: '7003', kick_member: true },
    }),
  );
  expect({ status: patched.statusCode, loc: locs(patched.error) }).toEqual({ status: 422, loc: [['body', 'properties', 'role_id']] });
});

test('without the Discord settings, creating the type and connecting a server answer 422 naming them', async () => {
  const bare = await startTestStack({ worker: false });
  try {
    const o = await bare.createOrganization();
    const { statusCode, error } = await failure(
      bare.polar(o.accessToken).benefits.create({
        type: 'discord',
        description: 'Discord role',
        properties: { guild_token: 't', role_id: '1', kick_member: false },
      }),
    );
    expect(statusCode).toBe(422);
    expect(error.detail[0].msg).toMatch(/DISCORD_BOT_TOKEN, DISCORD_CLIENT_ID, DISCORD_CLIENT_SECRET/);
    const start = await bare.http('GET', `/v1/integrations/discord/bot-authorize?return_to=${encodeURIComponent(RETURN_TO)}`, {
      token: o.accessToken,
    });
    expect(start.status).toBe(422);
    expect(start.body.detail[0].msg).toMatch(/DISCORD_BOT_TOKEN/);
  } finally {
    await bare.close();
  }
});

test('/openapi.json documents the three endpoints as extensions, with their Polar response shapes', async () => {
  const doc = (await stack.http('GET', '/openapi.json')).body;
  for (const p of ['bot-authorize', 'bot-callback', 'guild/lookup']) {
    expect(doc.paths[`/v1/integrations/discord/${p}`].get.description).toMatch(/Extension/);
  }
  expect(doc.paths['/v1/integrations/discord/bot-callback'].get.security).toEqual([]);
  expect(doc.components.schemas).toHaveProperty('DiscordGuild');
  expect(doc.components.schemas).toHaveProperty('AuthorizeResponse');
});
