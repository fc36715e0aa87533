// The downloadables benefit through the official SDK: newly listed files reach every holder,
// archived files stay with those who have them but go to no new customer, revoking takes the files
// (unless another grant of the benefit keeps them), and deleting a file takes it from everyone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createShop, grantsOf, type Shop } from '../support/fixtures';
import { download, uploadFile } from '../support/files.fixtures';
import { eventually, startTestStack, type TestStack } from '../support/harness';
import { failure, locs } from '../support/two-organizations';

let stack: TestStack;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'downloadables-test-'));
beforeAll(async () => {
  stack = await startTestStack({ env: { STORAGE_LOCAL_DIR: dir } });
});
afterAll(async () => {
  await stack?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function portalOf(shop: Shop, customerId: string) {
  const session = await shop.polar.customerSessions.create({ customer_id: customerId });
  return stack.polar(session.token);
}

/** The file ids a customer can download now, sorted. */
async function filesOf(portal: any, benefitId?: string): Promise<string[]> {
  const page = await portal.customerPortal.downloadables.list({ limit: 100, ...(benefitId ? { benefit_id: benefitId } : {}) });
  return page.items.map((d: any) => d.file.id).sort();
}

async function shopWithFiles(count: number) {
  const shop = await createShop(stack, 0);
  const files = [];
  for (let i = 0; i < count; i++) files.push((await uploadFile(shop.polar, { parts: 2, name: `f${i}.bin` })).file);
  return { shop, ids: files.map((f) => f.id) };
}

async function grantedTo(shop: Shop, customerId: string, benefitId: string) {
  return eventually(async () => {
    const g = await grantsOf(shop, { customer_id: customerId, benefit_id: benefitId, is_granted: true });
    return g.length ? g : null;
  });
}

test('properties need at least one uploaded file of the organization', async () => {
  const shop = await createShop(stack, 0);
  const none = await failure(shop.polar.benefits.create({ type: 'downloadables', description: 'Downloads', properties: { files: [] } }));
  expect(locs(none.error)).toEqual([['body', 'properties', 'files']]);
  const unknown = await failure(
    shop.polar.benefits.create({
      type: 'downloadables',
      description: 'Downloads',
      properties: { files: ['00000000-0000-4000-8000-000000000000'] },
    }),
  );
  expect(locs(unknown.error)).toEqual([['body', 'properties', 'files', 0]]);
});

test('a new file reaches every holder; an archived one stays with holders and goes to no new customer', async () => {
  const { shop, ids } = await shopWithFiles(3);
  const [a, b, c] = ids;
  const benefit = await shop.polar.benefits.create({ type: 'downloadables', description: 'Downloads', properties: { files: [a, b] } });
  expect(benefit.properties).toEqual({ files: [a, b], archived: {} });
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: [benefit.id] });
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const [grant] = await grantedTo(shop, shop.customer.id, benefit.id);
  expect(grant.properties.files.sort()).toEqual([a, b].sort());
  const early = await portalOf(shop, shop.customer.id);
  expect(await filesOf(early, benefit.id)).toEqual([a, b].sort());

  // Archive `a`, list `c`: the holder gets `c` and keeps `a`.
  await shop.polar.benefits.update(benefit.id, { type: 'downloadables', properties: { files: [a, b, c], archived: { [a]: true } } });
  await eventually(async () => (await filesOf(early)).length === 3);
  expect(await filesOf(early)).toEqual([a, b, c].sort());

  // A new customer gets `b` and `c` only.
  const late = await shop.polar.customers.create({ email: `late-${Date.now()}@example.com` });
  await shop.polar.orders.create({ customer_id: late.id, product_id: shop.oneTime.id });
  const [lateGrant] = await grantedTo(shop, late.id, benefit.id);
  expect(lateGrant.properties.files.sort()).toEqual([b, c].sort());
  expect(await filesOf(await portalOf(shop, late.id))).toEqual([b, c].sort());
});

test('revoking takes the files unless another grant of the benefit still holds them; old links answer 410', async () => {
  const { shop, ids } = await shopWithFiles(1);
  const benefit = await shop.polar.benefits.create({ type: 'downloadables', description: 'Downloads', properties: { files: ids } });
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: [benefit.id] });
  await shop.polar.products.updateBenefits(shop.monthly.id, { benefits: [benefit.id] });
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const sub = await stack.http('POST', '/v1/subscriptions/', {
    token: shop.token,
    body: { customer_id: shop.customer.id, product_id: shop.monthly.id },
  });
  expect(sub.status).toBe(201);
  await eventually(async () => (await grantsOf(shop, { is_granted: true, benefit_id: benefit.id })).length === 2);
  const portal = await portalOf(shop, shop.customer.id);
  const [item] = (await portal.customerPortal.downloadables.list({})).items;
  expect((await download(item.file.download.url)).status).toBe(200);

  // The subscription ends: the purchase still holds the files.
  await shop.polar.subscriptions.revoke(sub.body.id);
  await eventually(async () => (await grantsOf(shop, { is_granted: true, benefit_id: benefit.id })).length === 1);
  expect(await filesOf(portal)).toEqual(ids);

  // The purchase's grant goes too (the benefit leaves the product): the files and the old link go.
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: [] });
  await eventually(async () => (await grantsOf(shop, { is_granted: true, benefit_id: benefit.id })).length === 0);
  expect(await filesOf(portal)).toEqual([]);
  const gone = await download(item.file.download.url);
  expect([gone.status, gone.body]).toEqual([410, null]);
});

test('deleting a file takes it from holders and from the benefit', async () => {
  const { shop, ids } = await shopWithFiles(2);
  const [keep, drop] = ids;
  const benefit = await shop.polar.benefits.create({ type: 'downloadables', description: 'Downloads', properties: { files: ids } });
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: [benefit.id] });
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await grantedTo(shop, shop.customer.id, benefit.id);
  const portal = await portalOf(shop, shop.customer.id);
  const items = (await portal.customerPortal.downloadables.list({})).items;
  const dropLink = items.find((d: any) => d.file.id === drop).file.download.url;
  const direct = await fetch(dropLink, { redirect: 'manual' }); // a storage URL handed out before the deletion
  const storageUrl = direct.headers.get('location')!;

  await shop.polar.files.delete(drop);
  expect(await filesOf(portal)).toEqual([keep]);
  expect((await download(dropLink)).status).toBe(410);
  expect((await fetch(storageUrl)).status).toBe(404); // the object itself is gone
  expect((await shop.polar.benefits.get(benefit.id)).properties.files).toEqual([keep]);
  expect((await shop.polar.benefits.files(benefit.id, {})).items.map((f: any) => f.id)).toEqual([keep]);
  expect((await shop.polar.files.list({ ids })).items.map((f: any) => f.id)).toEqual([keep]);
});
