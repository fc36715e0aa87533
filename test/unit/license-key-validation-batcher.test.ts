// Group validation without a database: batching while batches are in flight, per-request answers,
// and the one-by-one fallback when a batch fails or could not settle a request.
import { ValidationBatcher } from '../../db/repositories/license-key-validation-batcher';
import type { ValidateInput, ValidateResult } from '../../db/repositories/license-keys.repository';

const input = (key: string): ValidateInput => ({
  organizationId: 'org',
  key,
  activationId: null,
  conditions: {},
  benefitId: null,
  customerId: null,
  increment: 0,
});

function fakePool(answer: (values: any[]) => any[] | Error) {
  const calls: any[][] = [];
  let release: () => void = () => undefined;
  const pool = {
    calls,
    hold: false,
    release: () => release(),
    query: async ({ values }: { values: any[] }) => {
      calls.push(values);
      if (pool.hold) await new Promise<void>((r) => (release = r));
      const rows = answer(values);
      if (rows instanceof Error) throw rows;
      return { rows };
    },
  };
  return pool;
}

const single = jest.fn(async (v: ValidateInput): Promise<ValidateResult> => ({
  ok: false,
  failure: v.key === 'GONE' ? 'status' : 'not_found',
}));

beforeEach(() => single.mockClear());

test('a lone request goes alone; requests arriving while batches are busy share the next one', async () => {
  const pool = fakePool((values) =>
    values[1].map((key: string, i: number) => ({
      n: String(i + 1),
      failure: null,
      cnt: values[1].filter((k: string) => k === key).length,
      rank: 1 + values[1].slice(0, i).filter((k: string) => k === key).length,
      key: { id: key, validations: 10, customer_id: 'c' },
      customer: { id: 'c' },
      activation: null,
    })),
  );
  const batcher = new ValidationBatcher(pool, single, { maxInFlight: 1, maxBatch: 10 });
  expect(await batcher.submit(input('X'))).toEqual({ ok: false, failure: 'not_found' });
  expect(single).toHaveBeenCalledTimes(1);
  await new Promise((r) => setImmediate(r)); // its batch slot is free again

  pool.hold = true;
  const first = batcher.submit(input('Z')); // a batch of one would go alone: make it a pair
  const second = batcher.submit(input('Y'));
  await new Promise((r) => setImmediate(r));
  const queued = [batcher.submit(input('A')), batcher.submit(input('A')), batcher.submit(input('B'))];
  pool.hold = false;
  pool.release();
  await Promise.all([first, second]);
  const results = await Promise.all(queued);
  expect(pool.calls.map((values) => values[1])).toEqual([
    ['Z', 'Y'],
    ['A', 'A', 'B'],
  ]);
  // Two requests of key A in one batch: 10 after both, so the first saw 9.
  expect(results.map((r) => (r.ok ? r.key.validations : null))).toEqual([9, 10, 10]);
});

test('failures are answered per request; an unsettled request and a failed batch fall back to one by one', async () => {
  const pool = fakePool((values) =>
    values[1].length === 3
      ? [
          { n: '1', failure: 'benefit' },
          { n: '2', failure: null, key: null },
        ]
      : new Error('deadlock detected'),
  );
  const batcher = new ValidationBatcher(pool, single, { maxInFlight: 1, maxBatch: 3 });
  pool.hold = true;
  const blocker = batcher.submit(input('W'));
  const pair = batcher.submit(input('V'));
  await new Promise((r) => setImmediate(r));
  const results = Promise.all([batcher.submit(input('K')), batcher.submit(input('GONE')), batcher.submit(input('MISSING'))]);
  pool.hold = false;
  pool.release();
  expect(await blocker).toEqual({ ok: false, failure: 'not_found' });
  expect(await pair).toEqual({ ok: false, failure: 'not_found' });
  expect(await results).toEqual([
    { ok: false, failure: 'benefit' },
    { ok: false, failure: 'status' }, // re-decided alone
    { ok: false, failure: 'not_found' }, // no row: unknown key
  ]);
  expect(single.mock.calls.map(([v]) => v.key).sort()).toEqual(['GONE', 'V', 'W']);
});
