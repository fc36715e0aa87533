// The smallest workflow shaped like a grant: started with its command, runs it as a local activity
// that does nothing, upserts GrantStatus, waits for a revoke signal, runs it the same way, ends.
import { condition, defineSignal, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';

const { noop } = proxyLocalActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });
export const revokeSignal = defineSignal('revoke');

export async function ceilingGrantWorkflow(): Promise<void> {
  let revoked = false;
  setHandler(revokeSignal, () => void (revoked = true));
  await noop();
  upsertSearchAttributes({ GrantStatus: ['granted'] });
  await condition(() => revoked);
  await noop();
  upsertSearchAttributes({ GrantStatus: ['revoked'] });
}
