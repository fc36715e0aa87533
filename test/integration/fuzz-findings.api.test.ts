// Inputs the Schemathesis run (npm run fuzz) found answering 5xx, each now a 4xx at the field.
import { startTestStack, TestStack } from '../support/harness';

let stack: TestStack;
let token: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
  ({ accessToken: token } = await stack.createOrganization('Fuzz findings'));
});

afterAll(async () => {
  await stack?.close();
});

describe('GET /v1/webhooks/deliveries time bounds', () => {
  // ISO 8601 allows both; PostgreSQL refuses offsets beyond 15:59 and the year 0 (1 BC).
  it.each([
    ['start_timestamp', '2026-01-01T00:00:00+21:50'],
    ['end_timestamp', '1616-02-29T00:08:30-23:59'],
    ['start_timestamp', '2026-01-01T00:00:00+15:30'],
    ['end_timestamp', '2026-01-02T00:00:00'],
  ])('%s=%s is the same instant in UTC: 200', async (name, value) => {
    const res = await stack.http('GET', `/v1/webhooks/deliveries?${name}=${encodeURIComponent(value)}`, { token });
    expect({ status: res.status, items: res.body.items }).toEqual({ status: 200, items: [] });
  });

  it.each([
    ['start_timestamp', '0000-01-01T00:00:00Z'],
    ['end_timestamp', '0000-06-30T12:00:00'],
  ])('%s=%s (the year 0) answers 422 at the field, not 500', async (name, value) => {
    const res = await stack.http('GET', `/v1/webhooks/deliveries?${name}=${encodeURIComponent(value)}`, { token });
    expect(res.status).toBe(422);
    expect(res.body.detail[0].loc).toEqual(['query', name]);
  });
});
