// The customer portal page in real Chromium: the link's token leaves the address bar, benefits
// are listed by product in every state, a license key is revealed and an activation deactivated,
// an expired link says so with its return_url, a phone-width layout does not scroll sideways, and
// no page logs a console error. With UPDATE_SCREENSHOTS=1 it also rewrites docs/portal-*.png.
import type { Browser } from 'playwright-core';
import path from 'node:path';
import type { BenefitStrategy, GrantContext } from '../../benefits/strategy';
import { customStrategy } from '../../benefits/custom/custom.strategy';
import { strategies } from '../../benefits/registry';
import { ActionRequiredError, InvalidConfigurationError } from '../../benefits/strategy-errors';
import { eventually, startTestStack, type TestStack } from '../support/harness';
import { launchChromium, openPage, type WatchedPage } from './browser';

// A custom benefit's provider stand-in: fails as its description says.
const scripted: BenefitStrategy<any> = {
  ...customStrategy,
  grant: async (ctx: GrantContext) => {
    if (ctx.benefit.description.startsWith('Private beta')) throw new InvalidConfigurationError('The beta program is full (HTTP 409).');
    if (ctx.benefit.description.startsWith('Workshop')) throw new ActionRequiredError('Pick a workshop date in the email we sent you.');
    return customStrategy.grant(ctx);
  },
};

let stack: TestStack;
let browser: Browser;
const watched: WatchedPage[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack({ deps: { registry: { ...strategies, custom: scripted } }, env: { SECRET_ENCRYPTION_KEY: 'k'.repeat(44) } }),
    launchChromium(),
  ]);
});
afterEach(async () => {
  const problems = watched.flatMap((w) => w.problems);
  await Promise.all(watched.splice(0).map((w) => w.context.close()));
  expect(problems).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function watch(viewport?: { width: number; height: number }): Promise<WatchedPage> {
  const w = await openPage(browser, viewport);
  watched.push(w);
  return w;
}

interface Store {
  polar: any;
  organizationId: string;
  customer: any;
  key: any;
  portalPath(returnUrl?: string): Promise<{ path: string; token: string }>;
}

/** Acme Tools sells Pro (a license key, a feature flag, support), add-ons that fail or wait, and a plan that ended. */
async function openStore(): Promise<Store> {
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
  const price = [{ amount_type: 'fixed', price_amount: 4900, price_currency: 'usd' }];
  const product = async (name: string, benefits: any[], monthly = false) => {
    const p = await polar.products.create({ name, prices: price, ...(monthly ? { recurring_interval: 'month' } : {}) });
    await polar.products.updateBenefits(p.id, { benefits: benefits.map((b) => b.id) });
    return p;
  };
  const pro = await product('Acme Pro', [license, flag, support]);
  const addOns = await product('Acme Add-ons', [beta, workshop]);
  const plan = await product('Acme Office Hours', [perk], true);
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
    organizationId,
    customer,
    key,
    portalPath: async (returnUrl?: string) => {
      const session = await polar.customerSessions.create({ customer_id: customer.id, ...(returnUrl ? { return_url: returnUrl } : {}) });
      const url = new URL(session.customer_portal_url);
      return { path: `${url.pathname}${url.search}`, token: session.token };
    },
  };
}

let store: Store;
beforeAll(async () => {
  store = await openStore();
});

test('the link signs in, leaves the address bar, and lists every benefit by product with its state', async () => {
  const { page } = await watch();
  const { path: portalPath, token } = await store.portalPath('https://acme.example/account');
  await page.goto(`${stack.baseUrl}${portalPath}`);
  await page.locator('[data-grant-id]').first().waitFor();

  expect(page.url()).not.toContain('customer_session_token');
  expect(page.url()).not.toContain(token);
  expect(await page.evaluate(() => Object.values((globalThis as any).sessionStorage).join(' '))).toContain(token);
  await expect(page.locator('h1').textContent()).resolves.toBe('Acme Tools');
  expect(await page.locator('section.product h2').allTextContents()).toEqual(['Acme Pro', 'Acme Add-ons', 'Acme Office Hours']);

  const card = (description: string) => page.locator('[data-grant-id]', { has: page.locator('h3', { hasText: description }) });
  expect(await card('Acme CLI license').getAttribute('data-state')).toBe('granted');
  expect(await card('Early access features').getAttribute('data-state')).toBe('granted');
  await expect(card('Priority support').textContent()).resolves.toContain('Write to support@acme.example');
  expect(await card('Private beta seat').getAttribute('data-state')).toBe('failed');
  await expect(card('Private beta seat').textContent()).resolves.toContain('The beta program is full (HTTP 409).');
  expect(await card('Workshop seat').getAttribute('data-state')).toBe('waiting');
  await expect(card('Workshop seat').textContent()).resolves.toContain('Pick a workshop date');
  expect(await card('Monthly office hours').getAttribute('data-state')).toBe('revoked');
  await expect(card('Monthly office hours').locator('.badge').textContent()).resolves.toBe('Revoked');

  // A reload (no token in the address any more) stays signed in for this tab.
  await page.reload();
  await page.locator('[data-grant-id]').first().waitFor();
  expect(await page.locator('[data-grant-id]').count()).toBe(6);
});

test('a license key is masked, revealed with the keyboard, and an activation is deactivated', async () => {
  const { page } = await watch();
  await page.goto(`${stack.baseUrl}${(await store.portalPath()).path}`);
  const license = page.locator('.license');
  await license.waitFor();
  const code = license.locator('code.key');
  expect(await code.textContent()).toBe(store.key.display_key);
  expect(await code.textContent()).not.toBe(store.key.key);
  const reveal = license.getByRole('button', { name: 'Reveal' });
  await reveal.focus();
  await page.keyboard.press('Enter');
  expect(await code.textContent()).toBe(store.key.key);
  expect(await license.getByRole('button', { name: 'Hide' }).getAttribute('aria-pressed')).toBe('true');
  await expect(license.locator('dl').textContent()).resolves.toMatch(/Usage0 of 1,000/);

  const activations = license.locator('.activation');
  await activations.first().waitFor();
  expect(await activations.count()).toBe(2);
  await license.getByRole('button', { name: 'Deactivate Ada laptop' }).click();
  await eventually(async () => (await activations.count()) === 1);
  expect(await activations.textContent()).toContain('Ada desktop');
  const after = await store.polar.licenseKeys.get(store.key.id);
  expect(after.activations.map((a: any) => a.label)).toEqual(['Ada desktop']);
});

test('an expired link says so and offers its return_url; an unknown one says it is not valid', async () => {
  const { page } = await watch();
  const { path: portalPath, token } = await store.portalPath('https://acme.example/account');
  await stack.dataSource.query(`UPDATE customer_sessions SET expires_at = now() - interval '1 minute' WHERE customer_id = $1`, [
    store.customer.id,
  ]);
  await page.goto(`${stack.baseUrl}${portalPath}`);
  const notice = page.getByRole('alert');
  await expect(notice.locator('h2').textContent()).resolves.toBe('This portal link has expired.');
  expect(await notice.getByRole('link', { name: 'Return to acme.example' }).getAttribute('href')).toBe('https://acme.example/account');
  expect(page.url()).not.toContain(token);
  expect(await page.locator('[data-grant-id]').count()).toBe(0);

  await page.goto(`${stack.baseUrl}${portalPath.replace(/polar_cst_\w+/, 'polar_cst_nope')}`);
  await expect(page.getByRole('alert').locator('h2').textContent()).resolves.toBe('This portal link is not valid.');
});

test('at phone width the page fits the screen (no sideways scrolling)', async () => {
  const { page } = await watch({ width: 375, height: 812 });
  await page.goto(`${stack.baseUrl}${(await store.portalPath()).path}`);
  await page.locator('.license .activation').first().waitFor();
  const overflow = await page.evaluate(() => {
    const root = (globalThis as any).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    await page.screenshot({ path: path.resolve(__dirname, '../../docs/portal-phone.png'), fullPage: true });
    const desktop = await watch({ width: 1280, height: 900 });
    await desktop.page.goto(`${stack.baseUrl}${(await store.portalPath()).path}`);
    await desktop.page.locator('.license .activation').first().waitFor();
    await desktop.page.screenshot({ path: path.resolve(__dirname, '../../docs/portal-desktop.png'), fullPage: true });
  }
});
