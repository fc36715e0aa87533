// A paid one-time order grants every benefit of its product in the order's scope. New orders no
// longer start this workflow (dispatchOrder grants the scope directly); it stays registered so
// orders recorded before keep running and replay.
import { proxyActivities } from '@temporalio/workflow';
import type { EngineActivities, GrantScope } from '../activities/activity-types';
import { localFirst } from './local-first';

const timeouts = { startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute' } as const;
const { grantScope } = proxyActivities<EngineActivities>({
  ...timeouts,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
const grantScopeLocalFirst = localFirst('grantScope', timeouts);

export interface OrderWorkflowOptions {
  /** Set since grantScope became local-first; older runs replay their regular activity. */
  localFirst?: boolean;
}

export async function orderWorkflow(scope: GrantScope, opts: OrderWorkflowOptions = {}): Promise<number> {
  return opts.localFirst ? grantScopeLocalFirst(scope) : grantScope(scope);
}
