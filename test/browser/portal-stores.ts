// The shops the portal page is shown for: Acme Tools' stack wired to the GitHub and Discord
// stand-ins and local file storage, Ada (license key, notes, failed, waiting and revoked grants)
// and Grace (downloads, a GitHub repository, a Discord role and meter credits besides Pro).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenefitStrategy, GrantContext } from '../../benefits/strategy';
import { customStrategy } from '../../benefits/custom/custom.strategy';
import { strategies } from '../../benefits/registry';
import { ActionRequiredError, InvalidConfigurationError } from '../../benefits/strategy-errors';
import { SecretBox } from '../../lib/secret-box';
import { FakeDiscord } from '../fakes/discord-server';
import { FakeGitHub } from '../fakes/github-server';
import { connectGuild } from '../support/discord.fixtures';
import { uploadFile } from '../support/files.fixtures';
import { connectInstallation, ENCRYPTION_KEY } from '../support/github.fixtures';
import { eventually, startTestStack, type TestStack } from '../support/harness';

// A custom benefit's provider stand-in: fails as its description says.
const scripted: BenefitStrategy<any> = {
  ...customStrategy,
  // A provider stand-in (its calls are what the test watches): locked commands, shared access.
  computedOnly: false,
  sharedAccess: true,
  grant: async (ctx: GrantContext) => {
    if (ctx.benefit.description.startsWith('Private beta')) throw new InvalidConfigurationError('The beta program is full (HTTP 409).');
    if (ctx.benefit.description.startsWith('Workshop')) throw new ActionRequiredError('Pick a workshop date in the email we sent you.');
    return customStrategy.grant(ctx);
  },
};

export interface PortalStack {
  stack: TestStack;
  gh: FakeGitHub;
  discord: FakeDiscord;
  close(): Promise<void>;
}

export async function startPortalStack(): Promise<PortalStack> {
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-browser-files-'));
  const [gh, discord] = await Promise.all([new FakeGitHub().start(), FakeDiscord.start()]);
  const stack = await startTestStack({
    deps: { registry: { ...strategies, custom: scripted }, secretBox: new SecretBox(ENCRYPTION_KEY) },
    env: {
      SECRET_ENCRYPTION_KEY: ENCRYPTION_KEY,
      STORAGE_LOCAL_DIR: files,
      GITHUB_APP_ID: String(gh.appId),
      GITHUB_APP_PRIVATE_KEY: gh.privateKeyPem.trim().replace(/\n/g, '\\n'),
      GITHUB_CLIENT_ID: gh.clientId,
      GITHUB_CLIENT_SECRET: gh.clientSecret,
      GITHUB_API_URL: gh.url,
      GITHUB_WEB_URL: gh.url,
      ...discord.env(),
    },
  });
  gh.setupUrl = `${stack.baseUrl}/v1/integrations/github/setup`;
  return {
    stack,
    gh,
    discord,
    close: async () => {
      await stack.close();
      await Promise.all([gh.close(), discord.close()]);
      fs.rmSync(files, { recursive: true, force: true });
    },
  };
}

export interface Store {
  polar: any;
  token: string;
  organizationId: string;
  pro: any;
  customer: any;
  key: any;
  portalPath(returnUrl?: string, customerId?: string): Promise<{ path: string; token: string }>;
}

/** Acme Tools sells Pro (a license key, a feature flag, support), add-ons that fail or wait, and a plan that ended. */
export async function openStore(stack: TestStack): Promise<Store> {
  const { accessToken, organizationId } = await stack.createOrganization('Acme Tools');
  const polar = stack.polar(accessToken);
  const benefit = (type: string, description: string, properties: Record<string, unknown> = {}) =>
    polar.benefits.create({ type, description, properties });
  const license = await benefit('license_keys', 'Acme CLI license', {
    prefix: 'ACME',
    activations: { limit: 3, enable_customer_admin: true },
    limit_usage: 1000,
  });
  const flag = await benefit('feature_flag', 'Early access features');
  const support = await benefit('custom', 'Priority support', { note: 'Write to support@acme.example with your order number.' });
  const beta = await benefit('custom', 'Private beta seat', { note: 'n' });
  const workshop = await benefit('custom', 'Workshop seat', { note: 'n' });
  const perk = await benefit('custom', 'Monthly office hours', { note: 'Every first Monday.' });
  const pro = await product(polar, 'Acme Pro', [license, flag, support]);
  const addOns = await product(polar, 'Acme Add-ons', [beta, workshop]);
  const plan = await product(polar, 'Acme Office Hours', [perk], true);
  const customer = await polar.customers.create({ email: 'ada@example.com', name: 'Ada' });
  await polar.orders.create({ customer_id: customer.id, product_id: pro.id });
  await polar.orders.create({ customer_id: customer.id, product_id: addOns.id });
  const sub = await polar.subscriptions.create({ customer_id: customer.id, product_id: plan.id });
  const settled = async () => {
    const grants = (await polar.benefitGrants.list({ customer_id: customer.id, limit: 100 })).items;
    return grants.length === 6 && grants.every((g: any) => g.is_granted || g.is_revoked || g.error) ? grants : null;
  };
  await eventually(settled);
  await polar.subscriptions.revoke(sub.id);
  await eventually(async () => ((await settled()) ?? []).some((g: any) => g.is_revoked));
  const keyId = (await polar.licenseKeys.list({ organization_id: organizationId })).items[0].id;
  const key = await polar.licenseKeys.get(keyId);
  for (const label of ['Ada laptop', 'Ada desktop'])
    await polar.licenseKeys.activate({ key: key.key, organization_id: organizationId, label });
  return {
    polar,
    token: accessToken,
    organizationId,
    pro,
    customer,
    key,
    portalPath: async (returnUrl?: string, customerId = customer.id) => {
      const session = await polar.customerSessions.create({ customer_id: customerId, ...(returnUrl ? { return_url: returnUrl } : {}) });
      const url = new URL(session.customer_portal_url);
      return { path: `${url.pathname}${url.search}`, token: session.token };
    },
  };
}

async function product(polar: any, name: string, benefits: any[], monthly = false) {
  const price = [{ amount_type: 'fixed', price_amount: 4900, price_currency: 'usd' }];
  const p = await polar.products.create({ name, prices: price, ...(monthly ? { recurring_interval: 'month' } : {}) });
  await polar.products.updateBenefits(p.id, { benefits: benefits.map((b) => b.id) });
  return p;
}

export interface Extras {
  customer: any;
  files: { name: string; data: Buffer; id: string; sizeReadable: string }[];
  meter: any;
  /** Requests Grace made on each of the last days (index 0: today). */
  usage: number[];
}

/** Grace buys Pro and Acme Extras: two files, the private repository, a Discord role and 100 API credits. */
export async function openExtras(p: PortalStack, store: Store): Promise<Extras> {
  const { polar } = store;
  const files = [];
  for (const [name, size] of [
    ['acme-cli-linux.tar.gz', 150_000],
    ['acme-manual.pdf', 2_345],
  ] as const) {
    const data = Buffer.alloc(size, name);
    const { file } = await uploadFile(polar, { data, name, parts: 1 });
    files.push({ name, data, id: file.id, sizeReadable: file.size_readable });
  }
  const downloads = await polar.benefits.create({
    type: 'downloadables',
    description: 'Acme CLI downloads',
    properties: { files: files.map((f) => f.id) },
  });
  p.gh.install('acme', ['acme-cli']);
  p.gh.addUser('octocat');
  await connectInstallation(p.stack, store.token);
  const repo = await polar.benefits.create({
    type: 'github_repository',
    description: 'Acme CLI source code',
    properties: { repository_owner: 'acme', repository_name: 'acme-cli', permission: 'pull' },
  });
  p.discord.addGuild('700', 'Acme community', [['7001', 'Customers', 3]]);
  const guildToken = await connectGuild(p.stack, p.discord, store.token, '700');
  const discord = await polar.benefits.create({
    type: 'discord',
    description: 'Acme community role',
    properties: { guild_token: guildToken, role_id: '7001', kick_member: true },
  });
  const meter = await polar.meters.create({
    name: 'API requests',
    filter: { conjunction: 'and', clauses: [{ property: 'name', operator: 'eq', value: 'api.request' }] },
    aggregation: { func: 'count' },
  });
  const credits = await polar.benefits.create({
    type: 'meter_credit',
    description: 'API credits',
    properties: { meter_id: meter.id, units: 100, rollover: false },
  });
  const extras = await product(polar, 'Acme Extras', [downloads, repo, discord, credits]);
  const customer = await polar.customers.create({ email: 'grace@example.com', name: 'Grace' });
  await polar.orders.create({ customer_id: customer.id, product_id: store.pro.id });
  await polar.orders.create({ customer_id: customer.id, product_id: extras.id });
  const usage = [3, 0, 5, 2, 0, 0, 7, 1, 4];
  const day = 86_400_000;
  await polar.events.ingest({
    events: usage.flatMap((n, daysAgo) =>
      Array.from({ length: n }, () => ({
        name: 'api.request',
        customer_id: customer.id,
        timestamp: new Date(Date.now() - daysAgo * day - 60_000).toISOString(),
      })),
    ),
  });
  await eventually(async () => {
    const grants = (await polar.benefitGrants.list({ customer_id: customer.id, limit: 100 })).items;
    const done = (type: string) => grants.some((g: any) => g.benefit.type === type && (g.is_granted || g.error));
    return grants.length === 7 && done('downloadables') && done('meter_credit') && done('license_keys');
  });
  return { customer, files, meter, usage };
}
