// Which grants an order or subscription should hold, and sending commands to many grant
// workflows. Shared by the scope activities (subscriptions, fan-outs) and by order dispatch, which
// runs in the API right after the order commits (no order workflow in between: see dispatchOrder).
import type { DataSource } from 'typeorm';
import type { GrantScope } from '../activities/activity-types';
import { BENEFIT_TYPES, isSupportedBenefitType } from '../benefits/benefit-types';
import { GrantsRepository } from '../db/repositories/grants.repository';
import { ProductsRepository } from '../db/repositories/products.repository';
import type { UnstartedOrder } from '../db/repositories/unstarted-work.repository';
import { mayGrantAgain, type GrantCommand, type GrantWorkflowInput } from '../workflows/definitions';
import type { EngineClient } from './engine-client';

const PARALLEL = 20;

export interface ScopeDeps {
  dataSource: DataSource;
  engine: EngineClient;
}

/** The product's live, supported benefits, in the product's order. */
export async function productBenefitIds(deps: ScopeDeps, productId: string | null): Promise<string[]> {
  if (!productId) return [];
  const rows = await new ProductsRepository(deps.dataSource).liveBenefitTypes(productId);
  return rows.filter((r) => isSupportedBenefitType(r.type)).map((r) => r.id);
}

/** Sends a command to each grant, PARALLEL at a time; `progress` after each batch (heartbeats). */
export async function sendCommands(
  deps: ScopeDeps,
  inputs: GrantWorkflowInput[],
  command: GrantCommand,
  wait: boolean,
  progress: (done: number) => void = () => undefined,
): Promise<void> {
  for (let i = 0; i < inputs.length; i += PARALLEL) {
    await Promise.all(
      inputs.slice(i, i + PARALLEL).map((g) => (wait ? deps.engine.commandGrantAndWait(g, command) : deps.engine.commandGrant(g, command))),
    );
    progress(i);
  }
}

/**
 * Creates the scope's missing grant rows (one per product benefit, or only `onlyBenefitIds`) and
 * tells every grant not yet granted, and not revoked for good, to grant. Safe to repeat: rows are
 * unique per scope and benefit, workflow ids are the grants', and granting a granted grant changes
 * nothing (the grant activity also refuses a scope that no longer lives).
 */
export async function grantScope(
  deps: ScopeDeps,
  scope: GrantScope,
  onlyBenefitIds?: string[],
  progress?: (done: number) => void,
): Promise<number> {
  if (!scope.productId) return 0;
  const rows = await new GrantsRepository(deps.dataSource).ensureForProduct(scope, scope.productId, BENEFIT_TYPES, onlyBenefitIds);
  const pending = rows.filter((r) => r.granted_at === null && mayGrantAgain(r.revoke_reason));
  await sendCommands(
    deps,
    pending.map((r) => r.ref),
    { action: 'grant' },
    false,
    progress,
  );
  return pending.length;
}

/**
 * What an order sets in motion: a renewal signals its subscription, a purchase grants its scope
 * (grant rows, then one grant workflow each, started with the grant command). Purchases used to
 * start an order workflow that did the same in an activity; going direct saves a workflow per
 * purchase on the Temporal server, the engine's bottleneck. orderWorkflow stays registered for
 * orders recorded before, still running. Safe to repeat (see grantScope; the subscription
 * workflow applies a renewal's order once).
 */
export async function dispatchOrder(deps: ScopeDeps, o: UnstartedOrder): Promise<void> {
  if (o.subscription_id && o.billing_reason === 'subscription_cycle') {
    await deps.engine.signalSubscription(o.subscription_id, { kind: 'renewed', orderId: o.id });
  } else if (!o.subscription_id) {
    await grantScope(deps, { organizationId: o.organization_id, customerId: o.customer_id, productId: o.product_id, orderId: o.id });
  }
}
