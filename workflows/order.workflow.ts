// A paid one-time order grants every benefit of its product in the order's scope. New orders no
// longer start this workflow (dispatchOrder grants the scope directly); it stays registered,
// unchanged, so orders recorded before keep running and replay.
import { proxyActivities } from '@temporalio/workflow';
import type { EngineActivities, GrantScope } from '../activities/activity-types';

const { grantScope } = proxyActivities<EngineActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function orderWorkflow(scope: GrantScope): Promise<number> {
  return grantScope(scope);
}
