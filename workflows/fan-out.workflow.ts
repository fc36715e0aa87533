// Fan-outs page through any number of grants or scopes, a page per activity, and continue-as-new
// every few pages so no history grows without bound.
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { EngineActivities, GrantFilter, GrantScope } from '../activities/activity-types';
import type { GrantCommand } from './definitions';

const acts = proxyActivities<EngineActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

const PAGE_SIZE = 200;
const PAGES_PER_RUN = 25;

export interface GrantFanOutInput {
  filter: GrantFilter;
  command: GrantCommand;
  /** Only grants not yet revoked (revokes, updates); cycles use granted ones via the scope path. */
  afterId?: string | null;
  total?: number;
}

/** Sends one command to every grant matching the filter (benefit updated/deleted, customer deleted). */
export async function grantFanOutWorkflow(input: GrantFanOutInput): Promise<number> {
  let afterId = input.afterId ?? null;
  let total = input.total ?? 0;
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const ids = await acts.listGrantIds({ filter: input.filter, afterId, limit: PAGE_SIZE, notRevokedOnly: true });
    if (ids.length === 0) return total;
    await acts.commandGrants({ grantIds: ids, command: input.command, wait: false });
    total += ids.length;
    afterId = ids[ids.length - 1];
    if (ids.length < PAGE_SIZE) return total;
  }
  return continueAsNew<typeof grantFanOutWorkflow>({ ...input, afterId, total });
}

export interface ProductBenefitsChangedInput {
  productId: string;
  after?: string | null;
  total?: number;
}

/**
 * For every order and subscription of a product: revoke grants of benefits that left it, wait
 * until those revokes are done, then grant the newly attached benefits.
 */
export async function productBenefitsChangedWorkflow(input: ProductBenefitsChangedInput): Promise<number> {
  let after = input.after ?? null;
  let total = input.total ?? 0;
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const { scopes, next } = await acts.listProductScopes({ productId: input.productId, after, limit: 50 });
    for (const scope of scopes) await reconcile(scope);
    total += scopes.length;
    if (!next) return total;
    after = next;
  }
  return continueAsNew<typeof productBenefitsChangedWorkflow>({ ...input, after, total });
}

async function reconcile(scope: GrantScope): Promise<void> {
  const changes = await acts.scopeChanges(scope);
  if (changes.toRevoke.length > 0) {
    await acts.commandGrants({ grantIds: changes.toRevoke, command: { action: 'revoke', reason: 'removed_from_product' }, wait: true });
  }
  if (changes.toGrant.length > 0) await acts.grantScope(scope, changes.toGrant);
}
