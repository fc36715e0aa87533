// Replays saved histories through the current workflow bundle: a workflow change that would break
// running executions (a different command sequence for the same history) fails here.
//
// The histories come from the scenarios that call saveHistory() (purchase, cancel at period end,
// product benefits changed). After an intended, versioned change, regenerate and commit them:
//   UPDATE_HISTORIES=1 npx jest --runInBand test/workflows
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { readdirSync } from 'node:fs';
import { HISTORIES_DIR, loadHistory } from '../fakes/time-skipping-env';

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const bundle = () => ({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } });

test('saved histories cover every scenario that guards determinism', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      'before-local-first.purchase.order.json',
      'purchase.grant.json',
      'cancel-at-period-end.subscription.json',
      'cancel-at-period-end.grant.json',
      'product-benefits-changed.json',
      'product-benefits-changed.revoked-grant.json',
    ]),
  );
});

test('every saved history replays with the current workflow code', async () => {
  const histories = files.map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: loadHistory(file) }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(bundle(), histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});

test('a history the code would not produce is reported as nondeterministic', async () => {
  // Rename the first activity the subscription workflow scheduled: the code schedules loadSubscription there.
  const history = loadHistory('cancel-at-period-end.subscription.json');
  const scheduled = history.events!.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)!;
  scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'grantScope';
  await expect(Worker.runReplayHistory(bundle(), history, 'tampered-subscription')).rejects.toMatchObject({
    name: 'DeterminismViolationError',
    message: expect.stringContaining("does not match activity type of activity command 'loadSubscription'"),
  });
});

test('a purchased grant is applied in the workflow task that started it', () => {
  // The local-first path: no activity task, one workflow task, the grant command recorded as a
  // local activity marker next to the GrantStatus upsert.
  const types = loadHistory('purchase.grant.json').events!.map(
    (e) => temporal.api.enums.v1.EventType[e.eventType as number] ?? String(e.eventType),
  );
  expect(types.filter((t) => t === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
  expect(types).not.toContain('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  expect(types).toContain('EVENT_TYPE_MARKER_RECORDED');
});
