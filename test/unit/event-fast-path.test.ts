// The ingest fast path accepts only what the zod schemas accept, and parses it alike; anything
// else it leaves to zod (null), which then names the field at fault.
import { fastEvent } from '../../api/schemas/event-fast-path';
import { eventForCustomer, eventForExternalCustomer } from '../../api/schemas/meters.schemas';

const ID = '0B0E5A0E-6F0A-4D7E-9A57-3C1C2F4B8E1A';
const samples: unknown[] = [
  { name: 'a', customer_id: ID },
  { name: 'a', customer_id: ID, timestamp: '2026-01-01T00:00:00.000Z', external_id: 'x', metadata: { n: 1, b: true, s: 'v' } },
  { name: 'a', external_customer_id: 'ext', external_id: null },
  { name: 'a', customer_id: ID, timestamp: '2026-02-30T00:00:00.000Z' },
  { name: 'a', customer_id: ID, timestamp: '2026-01-01T00:00:00Z' },
  { name: 'a', customer_id: ID, timestamp: '2026-01-01T00:00:00.000+02:00' },
  { name: '', customer_id: ID },
  { name: 'x'.repeat(129), customer_id: ID },
  { name: 'a', customer_id: 'nope' },
  { name: 'a', external_customer_id: '' },
  { name: 'a', customer_id: ID, metadata: { '': 1 } },
  { name: 'a', customer_id: ID, metadata: { k: '' } },
  { name: 'a', customer_id: ID, metadata: { k: { nested: 1 } } },
  { name: 'a', customer_id: ID, metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) },
  { name: 'a', customer_id: ID, parent_id: 'p' },
  { name: `a${String.fromCharCode(0)}`, customer_id: ID },
  { customer_id: ID },
  null,
  [],
];

test.each(samples.map((s, i) => [i, s]))('sample %i: fast path agrees with zod', (_i, sample) => {
  const byId = !!sample && typeof sample === 'object' && 'customer_id' in sample;
  const zod = (byId ? eventForCustomer : eventForExternalCustomer).safeParse(sample);
  const fast = fastEvent(sample);
  if (fast) {
    expect(zod.success).toBe(true);
    expect(fast).toEqual(zod.data);
  }
});

test('the common event takes the fast path', () => {
  expect(fastEvent(samples[1])).toMatchObject({ customer_id: ID.toLowerCase(), name: 'a' });
  expect(fastEvent(samples[2])).toMatchObject({ external_customer_id: 'ext' });
});
