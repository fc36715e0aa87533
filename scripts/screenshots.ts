// Screenshots for the README, taken from a running `npm start` stack (same settings as it: PORT,
// TEMPORAL_UI_PORT, DATA_DIR...): seeds a small shop through the API as the development
// organization, then photographs the Temporal Web UI (grants filtered by customer, by benefit
// type and status, one grant's history) and the customer portal with Debian's Chromium.
//   npm start   # in another terminal
//   node --import tsx scripts/screenshots.ts
import { Connection, Client } from '@temporalio/client';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { loadConfig } from '../config/config';

const root = path.resolve(__dirname, '..');
const out = (name: string) => path.join(root, 'docs', name);
const config = loadConfig();
const api = `http://${config.HOST}:${config.PORT}`;
const ui = `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`;

async function call(token: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${api}${p}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function customer(token: string, email: string): Promise<any> {
  const found = await call(token, 'GET', `/v1/customers/?email=${encodeURIComponent(email)}`);
  return found.items[0] ?? call(token, 'POST', '/v1/customers/', { email, name: email.split('@')[0] });
}

/** A shop with a license key, a feature flag and support; Ada buys it, Bob subscribes and is revoked. */
async function seed(token: string): Promise<{ ada: any; grants: any[] }> {
  const benefit = (type: string, description: string, properties: Record<string, unknown>) =>
    call(token, 'POST', '/v1/benefits/', { type, description, properties });
  const license = await benefit('license_keys', 'Pro license key', {
    prefix: 'PRO',
    activations: { limit: 3, enable_customer_admin: true },
  });
  const flag = await benefit('feature_flag', 'Early access', {});
  const support = await benefit('custom', 'Priority support', { note: 'Write to support@example.com.' });
  const price = [{ amount_type: 'fixed', price_amount: 4900, price_currency: 'usd' }];
  const pro = await call(token, 'POST', '/v1/products/', { name: 'Pro', prices: price });
  const monthly = await call(token, 'POST', '/v1/products/', { name: 'Pro monthly', prices: price, recurring_interval: 'month' });
  for (const p of [pro, monthly])
    await call(token, 'POST', `/v1/products/${p.id}/benefits`, { benefits: [license.id, flag.id, support.id] });
  const ada = await customer(token, 'ada@example.com');
  const bob = await customer(token, 'bob@example.com');
  await call(token, 'POST', '/v1/orders/', { customer_id: ada.id, product_id: pro.id });
  const sub = await call(token, 'POST', '/v1/subscriptions/', { customer_id: bob.id, product_id: monthly.id });
  await waitFor(async () => (await call(token, 'GET', `/v1/benefit-grants/?customer_id=${bob.id}&is_granted=true`)).items.length >= 3);
  await call(token, 'DELETE', `/v1/subscriptions/${sub.id}`);
  const grants = await waitFor(async () => {
    const g = (await call(token, 'GET', `/v1/benefit-grants/?customer_id=${ada.id}&is_granted=true&limit=100`)).items;
    return g.length >= 3 ? g : null;
  });
  return { ada, grants };
}

async function waitFor<T>(check: () => Promise<T | null | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the stack');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function shoot(page: Page, url: string, file: string, waitText: string, tall = false): Promise<void> {
  // The Web UI scrolls inside its own panes: a taller window shows more of a history.
  await page.setViewportSize({ width: 1440, height: tall ? 1500 : 900 });
  await page.goto(url);
  await page.getByText(waitText).first().waitFor({ state: 'attached', timeout: 30_000 });
  await page.waitForTimeout(2_500); // the Web UI fades rows in and keeps polling
  await page.screenshot({ path: out(file) });
  console.log(`wrote docs/${file}`);
}

async function main(): Promise<void> {
  const dev = JSON.parse(await readFile(path.resolve(root, config.DATA_DIR, 'dev-organization.json'), 'utf8'));
  const token: string = dev.token;
  const { ada, grants } = await seed(token);
  const license = grants.find((g) => g.benefit.type === 'license_keys') ?? grants[0];
  const temporal = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${config.TEMPORAL_PORT}` }) });
  const runId = (await temporal.workflow.getHandle(`grant:${license.id}`).describe()).runId;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const list = (query: string) => `${ui}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows?query=${encodeURIComponent(query)}`;
    await shoot(page, list(`CustomerId = '${ada.id}'`), 'webui-grants-of-a-customer.png', 'grant:');
    await shoot(page, list(`BenefitType = 'license_keys' AND GrantStatus = 'revoked'`), 'webui-grants-by-type-and-status.png', 'grant:');
    await shoot(
      page,
      `${ui}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(`grant:${license.id}`)}/${runId}/history`,
      'webui-grant-history.png',
      'applyGrantCommand',
      true,
    );
  } finally {
    await browser.close();
    await temporal.connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
