// The customer portal over HTTP for every implemented benefit type: a grant carries exactly the
// spec's CustomerBenefitGrant<Type> fields, its benefit exactly Benefit<Type>Subscriber with the
// type's SubscriberProperties, and its properties only BenefitGrant<Type>Properties fields; the
// organization's benefit (metadata, visibility) and internal grant state (an expiry) stay out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENEFIT_TYPES } from '../../benefits/benefit-types';
import { uploadFile } from '../support/files.fixtures';
import { LinkedAccountsRepository } from '../../db/repositories/linked-accounts.repository';
import { FakeDiscord } from '../fakes/discord-server';
import { connectGuild } from '../support/discord.fixtures';
import { buyGranted, createShop } from '../support/fixtures';
import type { TestStack } from '../support/harness';
import { connectInstallation, linkAccount, startGitHubStack } from '../support/github.fixtures';
import type { FakeGitHub } from '../fakes/github-server';
import { expectMatchesSpec } from '../support/spec-validator';

const schemas = JSON.parse(readFileSync(path.resolve(__dirname, '../../docs/reference/polar-openapi-2026-10.json'), 'utf8')).components
  .schemas;
const keysOf = (name: string): string[] => Object.keys(schemas[name].properties ?? {}).sort();
const SPEC_NAME: Record<string, string> = {
  custom: 'Custom',
  downloadables: 'Downloadables',
  discord: 'Discord',
  feature_flag: 'FeatureFlag',
  license_keys: 'LicenseKeys',
  github_repository: 'GitHubRepository',
  meter_credit: 'MeterCredit',
};

let stack: TestStack;
let gh: FakeGitHub;
const files = mkdtempSync(path.join(os.tmpdir(), 'portal-shapes-files-'));
let fake: FakeDiscord;
beforeAll(async () => {
  fake = await FakeDiscord.start();
  ({ stack, gh } = await startGitHubStack({ ...fake.env(), STORAGE_LOCAL_DIR: files }));
  gh.install('acme', ['private-repo']);
  gh.addUser('octocat');
});
afterAll(async () => {
  await stack?.close();
  await gh?.close();
  await fake?.close();
  rmSync(files, { recursive: true, force: true });
});

/** A discord benefit whose grant the customer can receive (server connected, account linked). */
async function discordBenefit(shop: Awaited<ReturnType<typeof createShop>>): Promise<{ id: string }> {
  fake.addGuild('600', 'Portal guild', [['6001', 'Members', 3]]);
  const guildToken = await connectGuild(stack, fake, shop.token, '600');
  const tokens = fake.addUser('6100');
  await new LinkedAccountsRepository(stack.dataSource, null).link(stack.dataSource, {
    organizationId: shop.organizationId,
    customerId: shop.customer.id,
    platform: 'discord',
    accountId: '6100',
    accountUsername: 'portal',
    accessToken: tokens.accessToken,
    refreshToken: null,
    expiresAt: null,
    scope: 'identify guilds.join',
  });
  return shop.polar.benefits.create({
    type: 'discord',
    description: 'Discord role',
    properties: { guild_token: guildToken, role_id: '6001', kick_member: true },
  });
}

test('portal grants of every implemented type carry exactly the spec subscriber fields', async () => {
  const shop = await createShop(stack, 2);
  const license = await shop.polar.benefits.create({
    type: 'license_keys',
    description: 'License',
    metadata: { merchant_only: 'yes' },
    properties: {
      prefix: 'ACME',
      expires: { ttl: 1, timeframe: 'year' },
      activations: { limit: 2, enable_customer_admin: true },
      limit_usage: 5,
    },
  });
  const { file } = await uploadFile(shop.polar, { parts: 1 });
  const downloadables = await shop.polar.benefits.create({ type: 'downloadables', description: 'Files', properties: { files: [file.id] } });
  const discord = await discordBenefit(shop);
  await connectInstallation(stack, shop.token);
  const repo = await shop.polar.benefits.create({
    type: 'github_repository',
    description: 'Source',
    properties: { repository_owner: 'acme', repository_name: 'private-repo', permission: 'push' },
  });
  const meter = await shop.polar.meters.create({
    name: 'Requests',
    filter: { conjunction: 'and', clauses: [] },
    aggregation: { func: 'count' },
  });
  const credits = await shop.polar.benefits.create({
    type: 'meter_credit',
    description: 'Credits',
    properties: { meter_id: meter.id, units: 10, rollover: false },
  });
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  await linkAccount(stack, session.token);
  const extra = [license.id, downloadables.id, discord.id, repo.id, credits.id];
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: [...shop.benefits.map((b) => b.id), ...extra] });
  await buyGranted(shop, shop.benefits.length + extra.length);

  const res = await stack.http('GET', '/v1/customer-portal/benefit-grants/', { token: session.token });
  expect(res.status).toBe(200);
  expectMatchesSpec('/v1/customer-portal/benefit-grants/', 'get', 200, res.body);
  const types = res.body.items.map((g: any) => g.benefit.type).sort();
  expect(types).toEqual([...BENEFIT_TYPES].sort());

  for (const grant of res.body.items) {
    const name = SPEC_NAME[grant.benefit.type];
    expect(Object.keys(grant).sort()).toEqual(keysOf(`CustomerBenefitGrant${name}`));
    expect(Object.keys(grant.benefit).sort()).toEqual(keysOf(`Benefit${name}Subscriber`));
    expect(Object.keys(grant.benefit.properties).sort()).toEqual(keysOf(`Benefit${name}SubscriberProperties`));
    expect(Object.keys(grant.benefit.organization).sort()).toEqual(keysOf('BenefitSubscriberOrganization'));
    for (const key of Object.keys(grant.properties)) expect(keysOf(`BenefitGrant${name}Properties`)).toContain(key);
    expect(grant.benefit).not.toHaveProperty('metadata');
    expect(grant.benefit).not.toHaveProperty('visibility');
    expect(grant.properties).not.toHaveProperty('expires_at');

    const one = await stack.http('GET', `/v1/customer-portal/benefit-grants/${grant.id}`, { token: session.token });
    expect(one.body).toEqual(grant);
  }
  const licensed = res.body.items.find((g: any) => g.benefit.type === 'license_keys');
  expect(Object.keys(licensed.properties).sort()).toEqual(['display_key', 'license_key_id']);
  expect(licensed.benefit.properties).toEqual({
    prefix: 'ACME',
    expires: { ttl: 1, timeframe: 'year' },
    activations: { limit: 2, enable_customer_admin: true },
    limit_usage: 5,
  });
  // Discord: the portal shows the server only (never the guild token), and the grant's spec fields.
  const joined = res.body.items.find((g: any) => g.benefit.type === 'discord');
  expect(joined.benefit.properties).toEqual({ guild_id: '600' });
  expect(joined.properties).toEqual({ account_id: '6100', guild_id: '600', role_id: '6001', granted_account_id: '6100' });
});
