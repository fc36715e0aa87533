// How the engine's workflows look in Temporal after a purchase, and waiting on a grant command
// whether or not the grant's workflow is still running.
import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { buyGranted, createShop, grantsOf } from '../support/fixtures';
import { workflowIds } from '../../workflows/definitions';
import { eventually, startTestStack, TestStack } from '../support/harness';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

test('a grant revoked (its workflow ended) can be granted again and waited on', async () => {
  const shop = await createShop(stack, 1);
  const [grant] = (await buyGranted(shop, 1)).grants;
  const input = {
    grantId: grant.id,
    organizationId: shop.organizationId,
    customerId: shop.customer.id,
    benefitId: grant.benefit_id,
    benefitType: 'custom',
  };
  // A reason a live scope may grant again after (a revoke with a final reason stays revoked).
  await stack.engine.commandGrantAndWait(input, { action: 'revoke', reason: 'removed_from_product' });
  expect((await grantsOf(shop))[0].is_revoked).toBe(true);
  await stack.temporal.workflow.getHandle(`grant:${grant.id}`).result();

  await stack.engine.commandGrantAndWait(input, { action: 'grant' });
  const [again] = await grantsOf(shop);
  expect(again).toMatchObject({ id: grant.id, is_granted: true });
  const events = await stack.dataSource.query(`SELECT kind FROM benefit_grant_events WHERE grant_id = $1 ORDER BY id`, [grant.id]);
  expect(events.map((e: any) => e.kind)).toEqual(['granted', 'revoked', 'granted']);
});

const { EventType } = temporal.api.enums.v1;

test('a purchase starts one workflow per grant, each granted in its first workflow task, and no order workflow', async () => {
  const shop = await createShop(stack, 2);
  const { order, grants } = await buyGranted(shop, 2);
  await expect(stack.temporal.workflow.getHandle(workflowIds.order(order.id)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  for (const grant of grants) {
    const handle = stack.temporal.workflow.getHandle(workflowIds.grant(grant.id));
    await eventually(async () => (await handle.describe()).searchAttributes.GrantStatus?.[0] === 'granted');
    const types = ((await handle.fetchHistory()).events ?? []).map((e) => Number(e.eventType));
    expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toHaveLength(1);
    expect(types).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  }
});
