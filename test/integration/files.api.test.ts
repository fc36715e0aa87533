// Polar's files API through the official SDK, on both storage drivers: a multipart upload, the
// downloadables benefit granting it, and the customer's download (bytes and SHA-256 equal). Bad
// parts, another organization's file, and expired or tampered URLs on the local driver.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createShop, grantsOf } from '../support/fixtures';
import { chunks, download, putParts, sha256, uploadFile } from '../support/files.fixtures';
import { eventually, startTestStack, type TestStack } from '../support/harness';
import { failure, locs } from '../support/two-organizations';
import { expectMatchesSpec } from '../support/spec-validator';
import { startFakeGcs, type FakeGcs } from '../fakes/fake-gcs-server';

/** The short-lived stack's URL lifetime: the expiry test waits it out once. */
const SHORT_TTL_S = 4;
const tmpDirs: string[] = [];
function localEnv(extra: Record<string, string> = {}): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'files-test-'));
  tmpDirs.push(dir);
  return { STORAGE: 'local', STORAGE_LOCAL_DIR: dir, ...extra };
}
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A shop whose product carries one downloadables benefit with `fileIds`; the customer buys it. */
async function buyFiles(stack: TestStack, fileIds: string[], shop?: Awaited<ReturnType<typeof createShop>>) {
  shop ??= await createShop(stack, 0);
  const benefit = await shop.polar.benefits.create({ type: 'downloadables', description: 'Downloads', properties: { files: fileIds } });
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: [benefit.id] });
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const [grant] = await eventually(async () => {
    const g = await grantsOf(shop, { is_granted: true, benefit_id: benefit.id });
    return g.length ? g : null;
  });
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  return { shop, benefit, grant, portal: stack.polar(session.token) };
}

describe.each(['local', 'gcs'] as const)('%s driver', (driver) => {
  let stack: TestStack;
  let gcs: FakeGcs | undefined;
  beforeAll(async () => {
    gcs = driver === 'gcs' ? await startFakeGcs() : undefined;
    stack = await startTestStack({ env: gcs ? gcs.env : localEnv() });
  });
  afterAll(async () => {
    await stack?.close();
    await gcs?.close();
  });

  test('a file uploaded in several parts downloads with the same bytes and SHA-256', async () => {
    const shop = await createShop(stack, 0);
    const data = randomBytes(1_000_003);
    const { upload, file } = await uploadFile(shop.polar, { data, parts: 4, name: 'manual v1.pdf' });
    expectMatchesSpec('/v1/files/', 'post', 201, upload);
    expect(upload.upload.parts).toHaveLength(4);
    expect(upload.is_uploaded).toBe(false);
    expectMatchesSpec('/v1/files/{id}/uploaded', 'post', 200, file);
    expect(file).toMatchObject({ is_uploaded: true, size: data.length, checksum_sha256_hex: sha256(data).toString('hex') });
    expect(file.checksum_sha256_base64).toBe(sha256(data).toString('base64'));
    if (gcs) expect((await gcs.objectNames()).filter((n) => n.startsWith('uploads/'))).toEqual([]); // parts composed and removed

    const { benefit, grant, portal } = await buyFiles(stack, [file.id], shop);
    expect(grant.properties).toEqual({ files: [file.id] });
    const list = await portal.customerPortal.downloadables.list({});
    expectMatchesSpec('/v1/customer-portal/downloadables/', 'get', 200, list);
    expect(list.items).toHaveLength(1);
    const got = await download(list.items[0].file.download.url);
    expect(got.status).toBe(200);
    expect(got.location).not.toContain('/customer-portal/');
    expect(got.body!.length).toBe(data.length);
    expect(sha256(got.body!).equals(sha256(data))).toBe(true);

    const stats = await shop.polar.benefits.files(benefit.id, {});
    expectMatchesSpec('/v1/benefits/{id}/files', 'get', 200, stats);
    expect(stats.items.map((f: any) => [f.id, f.downloads, f.downloaders])).toEqual([[file.id, 1, 1]]);
  });

  test('more parts than one compose call takes (32) are joined in rounds, in order', async () => {
    const shop = await createShop(stack, 0);
    const data = randomBytes(70 * 1024 + 7);
    const { file } = await uploadFile(shop.polar, { data, parts: 70 });
    expect(file.checksum_sha256_hex).toBe(sha256(data).toString('hex'));
    if (gcs) expect((await gcs.objectNames()).filter((n) => n.startsWith('uploads/'))).toEqual([]);
    const { portal } = await buyFiles(stack, [file.id], shop);
    const [item] = (await portal.customerPortal.downloadables.list({})).items;
    expect(sha256((await download(item.file.download.url)).body!).equals(sha256(data))).toBe(true);
  });
});

describe('local driver: bad input, tenancy, expiry', () => {
  let stack: TestStack;
  let shortLived: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: localEnv() });
    shortLived = await startTestStack({
      env: localEnv({ FILES_UPLOAD_URL_TTL_SECONDS: String(SHORT_TTL_S), FILES_DOWNLOAD_URL_TTL_SECONDS: String(SHORT_TTL_S) }),
    });
  });
  afterAll(async () => {
    await stack?.close();
    await shortLived?.close();
  });

  test('parts that do not tile the file are refused at the part', async () => {
    const shop = await createShop(stack, 0);
    const body = { service: 'downloadable', name: 'a', mime_type: 'text/plain', size: 100, upload: { parts: chunks(100, 2) } };
    body.upload.parts[1].chunk_start = 51;
    const res = await failure(shop.polar.files.create(body));
    expect(res.statusCode).toBe(422);
    expect(locs(res.error)).toContainEqual(['body', 'upload', 'parts', 1, 'chunk_start']);
    const short = await failure(shop.polar.files.create({ ...body, upload: { parts: chunks(99, 2) } }));
    expect(locs(short.error)).toContainEqual(['body', 'upload', 'parts', 1, 'chunk_end']);
  });

  test('a wrong, missing or unknown part, or a wrong checksum, leaves the file not uploaded', async () => {
    const shop = await createShop(stack, 0);
    const data = randomBytes(30_000);
    const upload = await shop.polar.files.create({
      service: 'downloadable',
      name: 'x.bin',
      mime_type: 'application/octet-stream',
      size: data.length,
      checksum_sha256_base64: sha256(Buffer.from('something else')).toString('base64'),
      upload: { parts: chunks(data.length, 3) },
    });
    const [p1] = upload.upload.parts;
    // A part of the wrong size, and a tampered URL, are refused by the part URL itself.
    expect((await fetch(p1.url, { method: 'PUT', headers: p1.headers, body: data.subarray(0, 10) })).status).toBe(400);
    const tampered = p1.url.replace(/.(\.[^.]+)$/, (m: string) => (m[0] === 'A' ? 'B' : 'A') + m.slice(1));
    expect((await fetch(tampered, { method: 'PUT', headers: p1.headers, body: data.subarray(0, 10_000) })).status).toBe(403);

    // A part declared with a checksum must hash to it.
    const declared = await shop.polar.files.create({
      service: 'downloadable',
      name: 'y.bin',
      mime_type: 'application/octet-stream',
      size: 10,
      upload: {
        parts: [{ number: 1, chunk_start: 0, chunk_end: 9, checksum_sha256_base64: sha256(Buffer.alloc(10, 1)).toString('base64') }],
      },
    });
    const [d1] = declared.upload.parts;
    expect(d1.headers['x-amz-checksum-sha256']).toBe(sha256(Buffer.alloc(10, 1)).toString('base64'));
    expect((await fetch(d1.url, { method: 'PUT', headers: d1.headers, body: Buffer.alloc(10, 2) })).status).toBe(400);
    expect((await fetch(d1.url, { method: 'PUT', headers: d1.headers, body: Buffer.alloc(10, 1) })).status).toBe(200);

    const parts = await putParts(upload, data);
    const complete = (ps: unknown[]) =>
      failure(shop.polar.files.uploaded(upload.id, { id: upload.upload.id, path: upload.upload.path, parts: ps }));
    const missing = await complete(parts.slice(0, 2));
    expect([missing.statusCode, locs(missing.error)]).toEqual([422, [['body', 'parts']]]);
    const unknown = await complete([...parts, { ...parts[0], number: 4 }]);
    expect(locs(unknown.error)).toEqual([['body', 'parts', 3, 'number']]);
    const badEtag = await complete([parts[0], { ...parts[1], checksum_etag: '"0000"' }, parts[2]]);
    expect(locs(badEtag.error)).toEqual([['body', 'parts', 1]]);
    const badChecksum = await complete(parts);
    expect([badChecksum.statusCode, locs(badChecksum.error)]).toEqual([422, [['body']]]);

    const [listed] = (await shop.polar.files.list({ ids: [upload.id] })).items;
    expect(listed.is_uploaded).toBe(false);
    const benefit = await failure(
      shop.polar.benefits.create({ type: 'downloadables', description: 'Downloads', properties: { files: [upload.id] } }),
    );
    expect(locs(benefit.error)).toEqual([['body', 'properties', 'files', 0]]);
  });

  test("another organization's file is not found, and cannot be put in a benefit", async () => {
    const mine = await createShop(stack, 0);
    const theirs = await createShop(stack, 0);
    const { file } = await uploadFile(theirs.polar);
    expect((await failure(mine.polar.files.update(file.id, { name: 'mine now' }))).statusCode).toBe(404);
    expect((await failure(mine.polar.files.delete(file.id))).statusCode).toBe(404);
    expect((await failure(mine.polar.files.uploaded(file.id, { id: 'x', path: 'x', parts: [] }))).statusCode).toBe(404);
    expect((await mine.polar.files.list({ ids: [file.id] })).items).toEqual([]);
    const { file: own } = await uploadFile(mine.polar);
    const res = await failure(
      mine.polar.benefits.create({ type: 'downloadables', description: 'Downloads', properties: { files: [own.id, file.id] } }),
    );
    expect(locs(res.error)).toEqual([['body', 'properties', 'files', 1]]);
    // The owner renames and lists it.
    const renamed = await theirs.polar.files.update(file.id, { name: 'renamed.bin', version: '2.0' });
    expect(renamed).toMatchObject({ name: 'renamed.bin', version: '2.0' });
    expectMatchesSpec('/v1/files/', 'get', 200, await theirs.polar.files.list({}));
  });

  test('expired part and download URLs answer 403; an expired portal link 410', async () => {
    const shop = await createShop(shortLived, 0);
    const { file, data } = await uploadFile(shop.polar, { parts: 2 });
    const late = await shop.polar.files.create({
      service: 'downloadable',
      name: 'late.bin',
      mime_type: 'application/octet-stream',
      size: 10,
      upload: { parts: chunks(10, 1) },
    });
    const { portal } = await buyFiles(shortLived, [file.id], shop);
    const [item] = (await portal.customerPortal.downloadables.list({})).items;
    const first = await fetch(item.file.download.url, { redirect: 'manual' });
    // Every URL used below was signed before this moment (the storage URL just now).
    const lastSigned = Date.now();
    expect(first.status).toBe(302);
    const storageUrl = new URL(first.headers.get('location')!);
    expect(sha256(Buffer.from(await (await fetch(storageUrl)).arrayBuffer())).equals(sha256(data))).toBe(true);
    // Long enough for a loaded machine to use the URLs while valid; expiry is checked in whole seconds.
    await new Promise((r) => setTimeout(r, Math.max(0, lastSigned + SHORT_TTL_S * 1000 + 1_100 - Date.now())));
    const [p] = late.upload.parts;
    expect((await fetch(p.url, { method: 'PUT', headers: p.headers, body: Buffer.alloc(10) })).status).toBe(403);
    expect((await fetch(storageUrl)).status).toBe(403);
    expect((await fetch(item.file.download.url, { redirect: 'manual' })).status).toBe(410);
    expect(
      (
        await fetch(
          item.file.download.url.replace(/.$/, (c: string) => (c === 'A' ? 'B' : 'A')),
          { redirect: 'manual' },
        )
      ).status,
    ).toBe(403);
  });
});

test('/openapi.json lists the files paths', async () => {
  const stack = await startTestStack({ worker: false, env: localEnv() });
  try {
    const { paths } = (await stack.http('GET', '/openapi.json')).body;
    expect(Object.keys(paths['/v1/files/'])).toEqual(['get', 'post']);
    for (const p of ['/v1/files/{id}/uploaded', '/v1/files/{id}', '/v1/benefits/{id}/files', '/v1/customer-portal/downloadables/']) {
      expect(paths).toHaveProperty([p]);
    }
    expect(paths['/v1/files/{id}'].delete.description).toMatch(/Archive/);
  } finally {
    await stack.close();
  }
});
