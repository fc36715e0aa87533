// The dispatcher's claims and the outbox relay's scans run often over tables that only grow: each must be served by its
// partial index (which holds only the rows still to do), never by a scan of the whole table.
import type { DataSource } from 'typeorm';
import { EngineCommandsRepository } from '../../db/repositories/engine-commands.repository';
import { UnstartedWorkRepository } from '../../db/repositories/unstarted-work.repository';
import { startTestStack, TestStack } from '../support/harness';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
});
afterAll(async () => stack?.close());

/** The statements a repository sends, as sent (a recording data source answering no rows). */
async function statements(run: (ds: DataSource) => Promise<unknown>): Promise<{ sql: string; params: unknown[] }> {
  const sent: { sql: string; params: unknown[] }[] = [];
  const recorder = {
    query: async (sql: string, params: unknown[] = []) => {
      sent.push({ sql, params });
      return [];
    },
  };
  await run(recorder as unknown as DataSource);
  return sent[0];
}

async function plan(statement: { sql: string; params: unknown[] }): Promise<string> {
  return stack.dataSource.transaction(async (em) => {
    // Tables are tiny here: forbid the whole-table scan the planner would rightly pick for them.
    await em.query('SET LOCAL enable_seqscan = off');
    const rows: { 'QUERY PLAN': string }[] = await em.query(`EXPLAIN ${statement.sql}`, statement.params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

test.each([
  ['engine commands due', (ds: DataSource) => new EngineCommandsRepository(ds).claimDue('q', 500, 60, 30), 'engine_commands_pending_idx'],
  [
    'subscriptions not started',
    (ds: DataSource) => new UnstartedWorkRepository(ds).claimUnstartedSubscriptions('q', 500, 60, 30),
    'subscriptions_workflow_pending_idx',
  ],
  [
    'orders not started',
    (ds: DataSource) => new UnstartedWorkRepository(ds).claimUnstartedOrders('q', 500, 60, 30),
    'orders_workflow_pending_idx',
  ],
  [
    'deleted benefits',
    (ds: DataSource) => new UnstartedWorkRepository(ds).deletedBenefitsWithLiveGrants(30, 100),
    // The planner starts from the deleted benefits' partial index, or, when few grants are live,
    // from the grants' benefit index: both are index-driven; which one depends on the rows.
    '(benefits_deleted_idx|benefit_grants_benefit_idx)',
  ],
  [
    'undelivered webhook events',
    (ds: DataSource) => new UnstartedWorkRepository(ds).endpointsWithStaleEvents(30, 1000),
    // Both partial indexes hold only undelivered rows; which one the planner takes depends on the rows.
    'webhook_events_(undelivered|pending)_idx',
  ],
])('%s: served by its partial index, never a whole-table scan', async (_name, run, index) => {
  const text = await plan(await statements(run));
  expect(text).toMatch(new RegExp(index));
  expect(text).not.toMatch(/Seq Scan/);
});
