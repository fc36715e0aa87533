// Meters, usage events and balances through the official SDK: every aggregation over a nested
// filter, ingestion with duplicates and bad events, quantities, events listing, another
// organization's rows answering 404, and a meter's recompute after its filter changed.
import { createShop, type Shop } from '../support/fixtures';
import { eventually, startTestStack, TestStack } from '../support/harness';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

// name = 'api.call' AND (region = 'eu' OR tokens >= 10)
const NESTED = {
  conjunction: 'and',
  clauses: [
    { property: 'name', operator: 'eq', value: 'api.call' },
    {
      conjunction: 'or',
      clauses: [
        { property: 'region', operator: 'eq', value: 'eu' },
        { property: 'tokens', operator: 'gte', value: 10 },
      ],
    },
  ],
};

const EVENTS = [
  { name: 'api.call', metadata: { region: 'eu', tokens: 4, model: 'a' } }, // matches (eu)
  { name: 'api.call', metadata: { region: 'us', tokens: 12, model: 'b' } }, // matches (tokens)
  { name: 'api.call', metadata: { region: 'us', tokens: 3, model: 'a' } }, // no
  { name: 'api.call', metadata: { region: 'eu', tokens: 20, model: 'a' } }, // matches
  { name: 'other', metadata: { region: 'eu', tokens: 100, model: 'c' } }, // no (name)
];
// Matching tokens: 4, 12, 20; models a, b, a.
const EXPECTED: Record<string, number> = { count: 3, sum: 36, max: 20, min: 4, avg: 12, unique: 2 };

async function createMeters(shop: Shop) {
  const out: Record<string, any> = {};
  for (const func of Object.keys(EXPECTED)) {
    const aggregation = func === 'count' ? { func } : { func, property: func === 'unique' ? 'model' : 'tokens' };
    out[func] = await shop.polar.meters.create({ name: `Meter ${func}`, filter: NESTED, aggregation });
    expectMatchesSpec('/v1/meters/', 'post', 201, out[func]);
  }
  return out;
}

test('each aggregation over a nested filter, kept up to date as events arrive', async () => {
  const shop = await createShop(stack, 0);
  const meters = await createMeters(shop);
  const events = EVENTS.map((e, i) => ({ ...e, customer_id: shop.customer.id, external_id: `e-${i}` }));
  // Two calls: figures add up across calls, not only within one.
  expect(await shop.polar.events.ingest({ events: events.slice(0, 2) })).toEqual({ inserted: 2, duplicates: 0 });
  expect(await shop.polar.events.ingest({ events: events.slice(2) })).toEqual({ inserted: 3, duplicates: 0 });

  const page = await shop.polar.customerMeters.list({ customer_id: shop.customer.id, limit: 100 });
  expectMatchesSpec('/v1/customer-meters/', 'get', 200, page);
  for (const [func, meter] of Object.entries(meters)) {
    const cm = page.items.find((i: any) => i.meter_id === meter.id);
    expect([func, cm.consumed_units]).toEqual([func, EXPECTED[func]]);
    expect(cm.credited_units).toBe(0);
    expect(cm.balance).toBe(-EXPECTED[func]);
    expect(cm.customer.id).toBe(shop.customer.id);
  }
  const one = await shop.polar.customerMeters.get(page.items[0].id);
  expectMatchesSpec('/v1/customer-meters/{id}', 'get', 200, one);

  const state = await shop.polar.customers.getState(shop.customer.id);
  expect(state.active_meters.map((m: any) => m.meter_id).sort()).toEqual(
    Object.values(meters)
      .map((m: any) => m.id)
      .sort(),
  );

  // Quantities by day (all events are from now): one bucket holds the whole sum.
  const start = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const end = new Date(Date.now() + 86_400_000).toISOString();
  const q = await shop.polar.meters.quantities(meters.sum.id, { start_timestamp: start, end_timestamp: end, interval: 'day' });
  expectMatchesSpec('/v1/meters/{id}/quantities', 'get', 200, q);
  expect(q.total).toBe(36);
  expect(q.quantities.length).toBeGreaterThanOrEqual(3);
  expect(q.quantities.reduce((s: number, x: any) => s + x.quantity, 0)).toBe(36);
  const max = await shop.polar.meters.quantities(meters.max.id, { start_timestamp: start, end_timestamp: end, interval: 'hour' });
  expect(max.total).toBe(20);
});

test('ingest: duplicates skipped per organization, a bad event stores nothing of its call', async () => {
  const shop = await createShop(stack, 0);
  const other = await createShop(stack, 0);
  const external = await shop.polar.customers.create({ email: `ext-${Date.now()}@example.com`, external_id: 'ext-1' });
  const e = (id: string) => ({ name: 'job', external_customer_id: 'ext-1', external_id: id, metadata: { n: 1 } });
  expect(await shop.polar.events.ingest({ events: [e('a'), e('b'), e('a')] })).toEqual({ inserted: 2, duplicates: 1 });
  expect(await shop.polar.events.ingest({ events: [e('a'), e('c')] })).toEqual({ inserted: 1, duplicates: 1 });
  // The same external id in another organization is another event.
  await other.polar.customers.create({ email: `ext2-${Date.now()}@example.com`, external_id: 'ext-1' });
  expect(await other.polar.events.ingest({ events: [e('a')] })).toEqual({ inserted: 1, duplicates: 0 });

  const before = (await shop.polar.events.list({ customer_id: external.id, limit: 100 })).pagination.total_count;
  expect(before).toBe(3);
  const bad = await stack.http('POST', '/v1/events/ingest', {
    token: shop.token,
    body: { events: [e('d'), { external_customer_id: 'ext-1', external_id: 'e' }, e('f')] },
  });
  expect(bad.status).toBe(422);
  expect(bad.body.detail[0].loc).toEqual(['body', 'events', 1, 'name']);
  const unknown = await stack.http('POST', '/v1/events/ingest', {
    token: shop.token,
    body: { events: [e('g'), { name: 'job', customer_id: other.customer.id }] },
  });
  expect(unknown.status).toBe(422);
  expect(unknown.body.detail[0].loc).toEqual(['body', 'events', 1, 'customer_id']);
  const tooMany = await stack.http('POST', '/v1/events/ingest', {
    token: shop.token,
    body: { events: Array.from({ length: 1001 }, (_, i) => e(`x${i}`)) },
  });
  expect(tooMany.status).toBe(422);
  expect((await shop.polar.events.list({ customer_id: external.id, limit: 100 })).pagination.total_count).toBe(before);
});

test('events: list with filters and sorting, get, names; another organization answers 404', async () => {
  const shop = await createShop(stack, 0);
  const other = await createShop(stack, 0);
  const meter = await shop.polar.meters.create({
    name: 'Calls',
    filter: { conjunction: 'and', clauses: [{ property: 'name', operator: 'like', value: 'call' }] },
    aggregation: { func: 'count' },
  });
  const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
  await shop.polar.events.ingest({
    events: [
      { name: 'api.call', customer_id: shop.customer.id, timestamp: t(1) },
      { name: 'api.call', customer_id: shop.customer.id, timestamp: t(2) },
      { name: 'upload', customer_id: shop.customer.id, timestamp: t(3) },
    ],
  });
  const all = await shop.polar.events.list({ customer_id: shop.customer.id, sorting: ['timestamp'] });
  expectMatchesSpec('/v1/events/', 'get', 200, all);
  expect(all.items.map((i: any) => i.name)).toEqual(['api.call', 'api.call', 'upload']);
  expect((await shop.polar.events.list({ meter_id: meter.id })).items).toHaveLength(2);
  expect((await shop.polar.events.list({ name: 'upload' })).items).toHaveLength(1);
  expect((await shop.polar.events.list({ source: 'system' })).items).toHaveLength(0);
  const ranged = await shop.polar.events.list({ start_timestamp: t(2), end_timestamp: t(3), sorting: ['-timestamp'] });
  expect(ranged.items.map((i: any) => i.timestamp)).toEqual([t(3), t(2)]);
  const got = await shop.polar.events.get(all.items[0].id);
  expectMatchesSpec('/v1/events/{id}', 'get', 200, got);
  expect(got).toMatchObject({ name: 'api.call', source: 'user', customer_id: shop.customer.id });
  const names = await shop.polar.events.listNames({ sorting: ['name'] });
  expectMatchesSpec('/v1/events/names', 'get', 200, names);
  expect(names.items.map((n: any) => [n.name, n.occurrences])).toEqual([
    ['api.call', 2],
    ['upload', 1],
  ]);

  expect((await failure(other.polar.events.get(got.id))).statusCode).toBe(404);
  expect((await failure(other.polar.meters.get(meter.id))).statusCode).toBe(404);
  expect((await failure(other.polar.meters.update(meter.id, { name: 'Mine now' }))).statusCode).toBe(404);
  const cm = (await shop.polar.customerMeters.list({})).items[0];
  expect((await failure(other.polar.customerMeters.get(cm.id))).statusCode).toBe(404);
  expect((await other.polar.customerMeters.list({ meter_id: meter.id })).items).toEqual([]);
  const res = await stack.http('POST', '/v1/benefits/', {
    token: other.token,
    body: { type: 'meter_credit', description: 'Credits', properties: { meter_id: meter.id, units: 10, rollover: false } },
  });
  expect(res.status).toBe(422);
  expect(res.body.detail[0].loc).toEqual(['body', 'properties', 'meter_id']);
});

test('meters: list, archive, bad filters; a new filter recomputes the figures in a workflow', async () => {
  const shop = await createShop(stack, 0);
  const meter = await shop.polar.meters.create({
    name: 'Tokens',
    filter: { conjunction: 'and', clauses: [{ property: 'name', operator: 'eq', value: 'llm' }] },
    aggregation: { func: 'sum', property: 'tokens' },
  });
  const ev = (region: string, tokens: number) => ({ name: 'llm', customer_id: shop.customer.id, metadata: { region, tokens } });
  await shop.polar.events.ingest({ events: [ev('eu', 5), ev('us', 7), ev('eu', 11)] });
  const consumed = async () => (await shop.polar.customerMeters.list({ meter_id: meter.id })).items[0]?.consumed_units;
  expect(await consumed()).toBe(23);

  const updated = await shop.polar.meters.update(meter.id, {
    filter: { conjunction: 'and', clauses: [{ property: 'region', operator: 'ne', value: 'us' }] },
  });
  expectMatchesSpec('/v1/meters/{id}', 'patch', 200, updated);
  await eventually(async () => (await consumed()) === 16);
  // The recompute ran as a workflow and reports its progress (events folded, cursor at the boundary).
  const progress = await stack.temporal.workflow.getHandle(`meter-recompute:${meter.id}:1`).result();
  expect(progress).toMatchObject({ processed: 3, done: true, stale: false });
  expect(progress.lastSeq).toBe(progress.boundary);
  // Events after the change count with the new filter, once.
  await shop.polar.events.ingest({ events: [ev('us', 100), ev('eu', 1)] });
  expect(await consumed()).toBe(17);

  const bad = await stack.http('POST', '/v1/meters/', {
    token: shop.token,
    body: { name: 'Bad', filter: { conjunction: 'xor', clauses: [] }, aggregation: { func: 'sum' } },
  });
  expect(bad.status).toBe(422);
  const locs = bad.body.detail.map((d: any) => d.loc.join('.'));
  expect(locs).toEqual(expect.arrayContaining(['body.filter.conjunction', 'body.aggregation.property']));

  await shop.polar.meters.update(meter.id, { is_archived: true });
  expect((await shop.polar.meters.list({ is_archived: false })).items).toEqual([]);
  const archived = await shop.polar.meters.list({ is_archived: true });
  expectMatchesSpec('/v1/meters/', 'get', 200, archived);
  expect(archived.items[0].archived_at).not.toBeNull();
  expect((await shop.polar.customerMeters.list({ meter_id: meter.id })).items).toEqual([]);

  // Events while archived count for no meter; unarchiving recomputes, so they count again.
  await shop.polar.events.ingest({ events: [ev('eu', 3)] });
  await shop.polar.meters.update(meter.id, { is_archived: false });
  await eventually(async () => (await consumed()) === 20);
});

test('concurrent ingest calls count every event once; quantities bound their intervals', async () => {
  const shop = await createShop(stack, 0);
  const meter = await shop.polar.meters.create({
    name: 'Jobs',
    filter: { conjunction: 'and', clauses: [] },
    aggregation: { func: 'sum', property: 'n' },
  });
  // Four calls at once, half of each call's external ids shared with the next call.
  const call = (k: number) =>
    shop.polar.events.ingest({
      events: Array.from({ length: 50 }, (_, i) => ({
        name: 'job',
        customer_id: shop.customer.id,
        external_id: `j-${k * 25 + i}`,
        metadata: { n: 2 },
      })),
    });
  const answers = await Promise.all([0, 1, 2, 3].map(call));
  const inserted = answers.reduce((s, a) => s + a.inserted, 0);
  expect(inserted).toBe(125);
  expect(answers.reduce((s, a) => s + a.duplicates, 0)).toBe(75);
  const [cm] = (await shop.polar.customerMeters.list({ meter_id: meter.id })).items;
  expect(cm.consumed_units).toBe(250);

  const res = await stack.http(
    'GET',
    `/v1/meters/${meter.id}/quantities?start_timestamp=2000-01-01T00:00:00Z&end_timestamp=2026-01-01T00:00:00Z&interval=hour`,
    { token: shop.token },
  );
  expect(res.status).toBe(422);
  expect(res.body.detail[0].loc).toEqual(['query', 'interval']);
});
