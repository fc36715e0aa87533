// The smallest durable grant: started with its command, one local activity doing one PostgreSQL
// write, GrantStatus upserted; on a revoke signal the same again, then it ends. What any
// one-workflow-per-grant design pays on this server; bench:grants measures the engine against it.
import { condition, defineSignal, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';

export interface LimitActivities {
  mark(grantId: string, action: 'grant' | 'revoke'): Promise<void>;
}

const { mark } = proxyLocalActivities<LimitActivities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 1 } });
export const limitRevokeSignal = defineSignal('revoke');

export async function limitGrantWorkflow(input: { grantId: string }): Promise<void> {
  let revoked = false;
  setHandler(limitRevokeSignal, () => void (revoked = true));
  await mark(input.grantId, 'grant');
  upsertSearchAttributes({ GrantStatus: ['granted'] });
  await condition(() => revoked);
  await mark(input.grantId, 'revoke');
  upsertSearchAttributes({ GrantStatus: ['revoked'] });
}
