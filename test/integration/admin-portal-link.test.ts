// `admin portal-link`: mints a customer session for a customer named by id or external id (with
// --org when an external id repeats across organizations) and prints a link that opens the portal.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeStackSettings } from '../../config/stack-settings';
import { startTestStack, type TestStack } from '../support/harness';

const root = path.resolve(__dirname, '../..');
let stack: TestStack;
let dataDir: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
  dataDir = await mkdtemp(path.join(tmpdir(), 'admin-portal-'));
  await writeStackSettings(dataDir, { database_url: process.env.TEST_DATABASE_URL! });
});
afterAll(async () => {
  await stack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function admin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, PUBLIC_BASE_URL: stack.baseUrl },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('a link by customer id or external id opens that customer’s portal', async () => {
  const a = await stack.createOrganization('Link shop A');
  const b = await stack.createOrganization('Link shop B');
  const ada = await stack.polar(a.accessToken).customers.create({ email: 'ada@example.com', external_id: 'user_42' });
  await stack.polar(b.accessToken).customers.create({ email: 'bob@example.com', external_id: 'user_42' });

  const byId = await admin(['portal-link', '--customer', ada.id, '--return-url', 'https://shop.example/account']);
  expect(byId.code).toBe(0);
  const minted = JSON.parse(byId.stdout);
  expect(minted).toMatchObject({ customer_id: ada.id, organization_id: a.organizationId });
  expect(minted.customer_portal_url).toMatch(new RegExp(`^${stack.baseUrl}/link-shop-a[^/]*/portal\\?customer_session_token=polar_cst_`));
  const page = await (await fetch(minted.customer_portal_url)).text();
  expect(page).toContain('data-session="live"');
  expect(page).toContain('data-return-url="https://shop.example/account"');
  const token = new URL(minted.customer_portal_url).searchParams.get('customer_session_token')!;
  expect((await stack.http('GET', '/v1/customer-portal/customers/me', { token })).body.id).toBe(ada.id);

  const ambiguous = await admin(['portal-link', '--customer', 'user_42']);
  expect(ambiguous.code).toBe(1);
  expect(ambiguous.stderr).toContain('--org');
  const scoped = await admin(['portal-link', '--customer', 'user_42', '--org', a.organizationId]);
  expect(JSON.parse(scoped.stdout).customer_id).toBe(ada.id);

  expect((await admin(['portal-link', '--customer', 'nobody'])).stderr).toContain('no customer');
  expect((await admin(['portal-link'])).code).toBe(2);
  expect((await admin(['portal-link', '--customer', ada.id, '--return-url', 'javascript:alert(1)'])).code).toBe(2);
});

test('set-org-avatar brands the portal page; none removes it', async () => {
  const org = await stack.createOrganization('Avatar shop');
  const customer = await stack.polar(org.accessToken).customers.create({ email: 'eve@example.com' });
  const link = async () => JSON.parse((await admin(['portal-link', '--customer', customer.id])).stdout).customer_portal_url as string;

  expect((await admin(['set-org-avatar', '--org', org.organizationId, '--url', 'https://cdn.example/a.png?v=1&x="y"'])).code).toBe(0);
  const branded = await (await fetch(await link())).text();
  expect(branded).toContain('<img class="avatar" src="https://cdn.example/a.png?v=1&#38;x=%22y%22"');

  expect((await admin(['set-org-avatar', '--org', org.organizationId, '--url', 'none'])).code).toBe(0);
  expect(await (await fetch(await link())).text()).toContain('class="avatar monogram"');
  expect((await admin(['set-org-avatar', '--org', org.organizationId, '--url', 'javascript:alert(1)'])).code).toBe(2);
});
