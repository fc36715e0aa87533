// The grant path's statements are prepared once per connection and planned from a cache, not parsed
// and planned on every grant (docs/benchmarks.md: planning was most of their cost).
import { randomUUID } from 'node:crypto';
import { queryPrepared } from '../../db/prepared';
import { GrantsRepository } from '../../db/repositories/grants.repository';
import { startTestStack, TestStack } from '../support/harness';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
});
afterAll(async () => stack?.close());

/** Statements prepared on the connection `em` holds whose text contains `marker`. */
async function preparedOn(em: { query: (sql: string, params?: unknown[]) => Promise<any> }, marker: string): Promise<number> {
  const [r] = await em.query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE '%' || $1 || '%'`, [marker]);
  return r.n;
}

test("a grant command's lock (with its scope's facts) is prepared once on the transaction's connection", async () => {
  await stack.dataSource.transaction(async (em) => {
    const grantId = randomUUID();
    for (let i = 0; i < 3; i++) {
      await new GrantsRepository(stack.dataSource).lockForCommand(em, grantId);
    }
    expect(await preparedOn(em, 'AS __benefit')).toBe(1);
  });
});

test('a prepared statement answers rows, RETURNING included, in a transaction and from the pool', async () => {
  await stack.dataSource.transaction(async (em) => {
    await em.query('CREATE TEMP TABLE prepared_probe (n int) ON COMMIT DROP');
    await em.query('INSERT INTO prepared_probe VALUES (1), (2)');
    const updated = await queryPrepared<{ n: number }>(em, 'UPDATE prepared_probe SET n = n + $1 RETURNING n', [10]);
    expect(updated.map((r) => r.n).sort()).toEqual([11, 12]);
    const none = await queryPrepared(em, 'UPDATE prepared_probe SET n = 0 WHERE n < $1 RETURNING n', [0]);
    expect(none).toEqual([]);
  });
  for (let i = 0; i < 3; i++) {
    expect(await queryPrepared<{ n: number }>(stack.dataSource, 'SELECT $1::int + 1 AS n', [i])).toEqual([{ n: i + 1 }]);
  }
});

test('a failed prepared statement fails with the database error, and the transaction rolls back', async () => {
  const table = `prepared_rollback_${Date.now()}`;
  await stack.dataSource.query(`CREATE TABLE ${table} (n int PRIMARY KEY)`);
  try {
    await expect(
      stack.dataSource.transaction(async (em) => {
        await queryPrepared(em, `INSERT INTO ${table} VALUES ($1)`, [1]);
        await queryPrepared(em, `INSERT INTO ${table} VALUES ($1)`, [1]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await stack.dataSource.query(`SELECT * FROM ${table}`)).toEqual([]);
  } finally {
    await stack.dataSource.query(`DROP TABLE ${table}`);
  }
});
