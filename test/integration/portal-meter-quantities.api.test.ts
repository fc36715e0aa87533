// Our extension GET /v1/customer-portal/meters/{id}/quantities (the portal page's usage chart):
// the session customer's own events only, the last 30 days by day unless told otherwise, another
// customer's meter 404, bad input 422 at the field.
import { createShop } from '../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../support/harness';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const DAY = 86_400_000;

test("a customer reads their own usage of their meter; another customer's meter is not found", async () => {
  const shop = await createShop(stack, 0);
  const other = await shop.polar.customers.create({ email: 'other@example.com', name: 'Other' });
  const meter = await shop.polar.meters.create({
    name: 'Requests',
    filter: { conjunction: 'and', clauses: [{ property: 'name', operator: 'eq', value: 'api.call' }] },
    aggregation: { func: 'count' },
  });
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();
  await shop.polar.events.ingest({
    events: [
      { name: 'api.call', customer_id: shop.customer.id, timestamp: at(0) },
      { name: 'api.call', customer_id: shop.customer.id, timestamp: at(2) },
      { name: 'api.call', customer_id: shop.customer.id, timestamp: at(2) },
      { name: 'api.call', customer_id: shop.customer.id, timestamp: at(45) }, // before the 30 days
      { name: 'other', customer_id: shop.customer.id, timestamp: at(1) }, // not this meter's
      { name: 'api.call', customer_id: other.id, timestamp: at(1) },
      { name: 'api.call', customer_id: other.id, timestamp: at(1) },
    ],
  });
  const portalOf = async (customerId: string) => (await shop.polar.customerSessions.create({ customer_id: customerId })).token;
  const [mine, theirs] = [await portalOf(shop.customer.id), await portalOf(other.id)];
  const meterOf = (token: string) =>
    eventually(async () => {
      const res = await stack.http('GET', '/v1/customer-portal/meters/', { token });
      return res.body.items?.find((m: any) => m.meter_id === meter.id) ?? null;
    });
  const [myMeter, theirMeter] = [await meterOf(mine), await meterOf(theirs)];

  const res = await stack.http('GET', `/v1/customer-portal/meters/${myMeter.id}/quantities`, { token: mine });
  expect(res.status).toBe(200);
  expectMatchesSpec('/v1/meters/{id}/quantities', 'get', 200, res.body);
  // Daily buckets from 30 days ago to today, both ends included.
  expect(res.body.quantities).toHaveLength(31);
  expect(res.body.total).toBe(3);
  expect(res.body.quantities.reduce((s: number, q: any) => s + q.quantity, 0)).toBe(3);
  const first = new Date(res.body.quantities[0].timestamp).getTime();
  expect(Date.now() - first).toBeGreaterThan(30 * DAY);
  expect(Date.now() - first).toBeLessThan(31 * DAY);

  const hourly = await stack.http(
    'GET',
    `/v1/customer-portal/meters/${myMeter.id}/quantities?start_timestamp=${encodeURIComponent(at(3))}&interval=hour`,
    { token: mine },
  );
  expect(hourly.status).toBe(200);
  expect(hourly.body.total).toBe(3);
  expect(hourly.body.quantities.length).toBeGreaterThanOrEqual(72);

  const theirsAnswer = await stack.http('GET', `/v1/customer-portal/meters/${theirMeter.id}/quantities`, { token: theirs });
  expect(theirsAnswer.body.total).toBe(2);
  expect((await stack.http('GET', `/v1/customer-portal/meters/${theirMeter.id}/quantities`, { token: mine })).status).toBe(404);
  expect((await stack.http('GET', `/v1/customer-portal/meters/${meter.id}/quantities`, { token: mine })).status).toBe(404);
  expect((await stack.http('GET', `/v1/customer-portal/meters/${myMeter.id}/quantities`)).status).toBe(401);

  const bad = await stack.http('GET', `/v1/customer-portal/meters/${myMeter.id}/quantities?interval=fortnight`, { token: mine });
  expect(bad.status).toBe(422);
  expect(bad.body.detail[0].loc).toEqual(['query', 'interval']);
  const backwards = await stack.http(
    'GET',
    `/v1/customer-portal/meters/${myMeter.id}/quantities?start_timestamp=${encodeURIComponent(at(0))}&end_timestamp=${encodeURIComponent(at(5))}`,
    { token: mine },
  );
  expect(backwards.status).toBe(422);
  expect(backwards.body.detail[0].loc).toEqual(['query', 'end_timestamp']);

  const spec = (await stack.http('GET', '/openapi.json')).body;
  expect(spec.paths['/v1/customer-portal/meters/{id}/quantities'].get).toBeDefined();
});
