// The customer portal page in real Chromium: the link's token leaves the address bar, benefits
// are listed by product in every state, a license key is revealed and an activation deactivated,
// files download with the bytes uploaded, GitHub is connected through the stand-in until the grant
// is granted, Discord's connect button leads to its authorize page, meter credits show a balance
// and a 30-day chart, an expired link says so with its return_url, a phone-width layout does not
// scroll sideways, and no page logs a console error. With UPDATE_SCREENSHOTS=1 it also rewrites
// docs/portal-*.png.
import type { Browser } from 'playwright-core';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eventually } from '../support/harness';
import { launchChromium, openPage, type WatchedPage } from './browser';
import { openExtras, openStore, startPortalStack, type Extras, type PortalStack, type Store } from './portal-stores';

let portal: PortalStack;
let browser: Browser;
const watched: WatchedPage[] = [];

beforeAll(async () => {
  [portal, browser] = await Promise.all([startPortalStack(), launchChromium()]);
});
afterEach(async () => {
  const problems = watched.flatMap((w) => w.problems);
  await Promise.all(watched.splice(0).map((w) => w.context.close()));
  expect(problems).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await portal?.close();
});

async function watch(viewport?: { width: number; height: number }): Promise<WatchedPage> {
  const w = await openPage(browser, viewport);
  watched.push(w);
  return w;
}

let store: Store;
let extras: Extras;
beforeAll(async () => {
  store = await openStore(portal.stack);
  extras = await openExtras(portal, store);
});

const stackUrl = () => portal.stack.baseUrl;

test('the link signs in, leaves the address bar, and lists every benefit by product with its state', async () => {
  const { page } = await watch();
  const { path: portalPath, token } = await store.portalPath('https://acme.example/account');
  await page.goto(`${stackUrl()}${portalPath}`);
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
  await page.goto(`${stackUrl()}${(await store.portalPath()).path}`);
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
  await portal.stack.dataSource.query(`UPDATE customer_sessions SET expires_at = now() - interval '1 minute' WHERE customer_id = $1`, [
    store.customer.id,
  ]);
  await page.goto(`${stackUrl()}${portalPath}`);
  const notice = page.getByRole('alert');
  await expect(notice.locator('h2').textContent()).resolves.toBe('This portal link has expired.');
  expect(await notice.getByRole('link', { name: 'Return to acme.example' }).getAttribute('href')).toBe('https://acme.example/account');
  expect(page.url()).not.toContain(token);
  expect(await page.locator('[data-grant-id]').count()).toBe(0);

  await page.goto(`${stackUrl()}${portalPath.replace(/polar_cst_\w+/, 'polar_cst_nope')}`);
  await expect(page.getByRole('alert').locator('h2').textContent()).resolves.toBe('This portal link is not valid.');
});

const graceCard = (page: WatchedPage['page'], description: string) =>
  page.locator('[data-grant-id]', { has: page.locator('h3', { hasText: description }) });

async function openGrace(viewport?: { width: number; height: number }) {
  const w = await watch(viewport);
  await w.page.goto(`${stackUrl()}${(await store.portalPath(undefined, extras.customer.id)).path}`);
  await w.page.locator('[data-grant-id]').first().waitFor();
  return w;
}

test('each file of a downloads benefit shows its size, and Download saves the bytes uploaded', async () => {
  const { page } = await openGrace();
  const card = graceCard(page, 'Acme CLI downloads');
  expect(await card.getAttribute('data-state')).toBe('granted');
  const rows = card.locator('li.file');
  await rows.first().waitFor();
  expect(await rows.count()).toBe(extras.files.length);
  for (const file of extras.files) {
    const row = card.locator('li.file', { hasText: file.name });
    await expect(row.textContent()).resolves.toContain(file.sizeReadable);
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe(file.name);
    const saved = await download.path();
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(fs.readFileSync(saved))).toBe(digest(file.data));
  }
});

test("Connect Discord leads to Discord's authorize page for this application", async () => {
  const { page } = await openGrace();
  const card = graceCard(page, 'Acme community role');
  expect(await card.getAttribute('data-state')).toBe('waiting');
  // The test stops where the browser arrives at the consent page (the stand-in would approve
  // there; the whole link through it is covered by discord-linking.api.test.ts).
  let arrived: URL | null = null;
  await page.route(`${portal.discord.origin}/**`, (route) => {
    arrived = new URL(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Discord</title>' });
  });
  await card.getByRole('button', { name: 'Connect Discord' }).click();
  await eventually(async () => arrived);
  const url = arrived as unknown as URL;
  expect(url.pathname).toBe('/oauth2/authorize');
  expect(url.searchParams.get('client_id')).toBe(portal.discord.clientId);
  expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['identify', 'guilds.join']));
  expect(url.searchParams.get('redirect_uri')).toMatch(new RegExp(`^${stackUrl()}/`));
});

test('Connect GitHub runs the account link through GitHub and back, and the grant turns granted with its invitation link', async () => {
  const { page } = await openGrace();
  const card = graceCard(page, 'Acme CLI source code');
  expect(await card.getAttribute('data-state')).toBe('waiting');
  // GitHub's authorize page -> our callback -> back to this page, without a token in the address.
  const visited: string[] = [];
  page.on('request', (req) => req.isNavigationRequest() && visited.push(req.url()));
  const back = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame() && frame.url().startsWith(stackUrl()));
  await card.getByRole('button', { name: 'Connect GitHub' }).click();
  await back;
  await page.waitForLoadState('load');
  expect(visited[0]).toMatch(new RegExp(`^${portal.gh.url}/login/oauth/authorize\\?`));
  expect(visited.some((u) => u.startsWith(`${stackUrl()}/v1/`))).toBe(true);
  expect(new URL(page.url()).pathname).toMatch(/\/portal$/);
  expect(page.url()).not.toContain('polar_cst_');
  expect(page.url()).not.toContain('code=');
  await eventually(async () => {
    await page.reload();
    await page.locator('[data-grant-id]').first().waitFor();
    return (await graceCard(page, 'Acme CLI source code').getAttribute('data-state')) === 'granted';
  });
  expect(portal.gh.access('acme', 'acme-cli').invitations).toEqual({ octocat: 'pull' });
  const invitation = graceCard(page, 'Acme CLI source code').getByRole('link', { name: 'Accept the invitation on GitHub' });
  expect(await invitation.getAttribute('href')).toBe(`${portal.gh.url}/acme/acme-cli/invitations`);
});

test('meter credits show the balance and a chart of the last 30 days of usage', async () => {
  const { page } = await openGrace();
  const card = graceCard(page, 'API credits');
  expect(await card.getAttribute('data-state')).toBe('granted');
  const used = extras.usage.reduce((a, b) => a + b, 0);
  await expect(card.locator('.balance').textContent()).resolves.toBe(`${100 - used} API requests`);
  const chart = card.locator('svg.chart');
  await chart.waitFor();
  // One bar per day from 30 days ago through today.
  expect(await chart.locator('rect').count()).toBe(31);
  await expect(chart.locator(':scope > title').textContent()).resolves.toBe(`API requests: ${used} used in the last 30 days`);
  await expect(card.locator('figcaption').textContent()).resolves.toBe(`Last 30 days: ${used} used`);
  const heights = await chart.locator('rect').evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('height'))));
  expect(heights.filter((h) => h > 0)).toHaveLength(extras.usage.filter((n) => n > 0).length);
  expect(heights[30]).toBeGreaterThan(0); // today: 3 requests
});

test('at phone width the page fits the screen (no sideways scrolling)', async () => {
  const overflowOf = (page: WatchedPage['page']) =>
    page.evaluate(() => {
      const root = (globalThis as any).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
  const ada = await watch({ width: 375, height: 812 });
  await ada.page.goto(`${stackUrl()}${(await store.portalPath()).path}`);
  await ada.page.locator('.license .activation').first().waitFor();
  expect(await overflowOf(ada.page)).toBeLessThanOrEqual(0);
  const grace = await openGrace({ width: 375, height: 812 });
  await grace.page.locator('svg.chart').waitFor();
  expect(await overflowOf(grace.page)).toBeLessThanOrEqual(0);
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    await grace.page.screenshot({ path: path.resolve(__dirname, '../../docs/portal-phone.png'), fullPage: true });
    const desktop = await openGrace({ width: 1280, height: 900 });
    await desktop.page.locator('svg.chart').waitFor();
    await desktop.page.screenshot({ path: path.resolve(__dirname, '../../docs/portal-desktop.png'), fullPage: true });
  }
});
