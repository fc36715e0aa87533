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

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();
const bundle = () => ({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } });

test('saved histories cover every scenario that guards determinism', () => {
  expect(files).toEqual(expect.arrayContaining([
    'purchase.order.json',
    'purchase.grant.json',
    'cancel-at-period-end.subscription.json',
    'cancel-at-period-end.grant.json',
    'product-benefits-changed.json',
    'product-benefits-changed.revoked-grant.json',
  ]));
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
  // Rename the first activity the order workflow scheduled: the code schedules grantScope there.
  const history = loadHistory('purchase.order.json');
  const scheduled = history.events!.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)!;
  scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'loadSubscription';
  await expect(Worker.runReplayHistory(bundle(), history, 'tampered-order')).rejects.toMatchObject({
    name: 'DeterminismViolationError',
    message: expect.stringContaining("does not match activity type of activity command 'grantScope'"),
  });
});
