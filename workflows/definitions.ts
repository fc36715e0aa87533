// Signals, queries, updates, task queue and workflow-id builders: the one place callers and
// workflows agree on names. Pure module: imported by workflows, activities and the API alike.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RevokeReason } from '../db/repositories/grants.repository';

export const DEFAULT_TASK_QUEUE = 'benefits';

export const workflowIds = {
  grant: (grantId: string) => `grant:${grantId}`,
  order: (orderId: string) => `order:${orderId}`,
  subscription: (subscriptionId: string) => `subscription:${subscriptionId}`,
  benefitUpdated: (benefitId: string, version: string) => `benefit-updated:${benefitId}:${version}`,
  benefitDeleted: (benefitId: string) => `benefit-deleted:${benefitId}`,
  customerDeleted: (customerId: string) => `customer-deleted:${customerId}`,
  productBenefitsChanged: (productId: string, version: string) => `product-benefits:${productId}:${version}`,
  webhookEndpoint: (endpointId: string) => `webhook-endpoint:${endpointId}`,
  outboxRelay: () => 'outbox-relay',
  meterRecompute: (meterId: string, version: number) => `meter-recompute:${meterId}:${version}`,
  /** One drift repair schedule per task queue (its runs are `drift-repair:<queue>-<time>`). */
  driftRepair: (taskQueue: string) => `drift-repair:${taskQueue}`,
};

/** Search attributes the grant workflows carry, so ops can filter grants in the Web UI. */
export const SEARCH_ATTRIBUTES = ['OrganizationId', 'CustomerId', 'BenefitId', 'BenefitType', 'GrantStatus'] as const;

export type GrantStatus = 'pending' | 'granted' | 'revoked' | 'failed';

// Stored on the grant row, so db/ owns the list; the workflow contract names it too.
export type { RevokeReason };

export const REGRANTABLE_REVOKE_REASONS: readonly RevokeReason[] = ['removed_from_product', 'past_due'];

/** A grant revoked for this reason (null: never revoked) may be granted again while its scope lives. */
export function mayGrantAgain(reason: RevokeReason | null, reinstate = false): boolean {
  return reason === null || REGRANTABLE_REVOKE_REASONS.includes(reason) || (reinstate && reason === 'license_key_revoked');
}

export type GrantCommand =
  /**
   * `reinstate`: the merchant undoes their own revocation (a license key PATCHed back to granted),
   * which lifts `license_key_revoked`; no other final reason.
   */
  | { action: 'grant'; reinstate?: boolean }
  /** `reason` is optional so commands sent before it existed still replay; the activity infers it. */
  | { action: 'revoke'; reason?: RevokeReason }
  | { action: 'update'; previousProperties: Record<string, unknown> }
  /** `cycleKey` names the renewal (absent in commands sent before it existed). */
  | { action: 'cycle'; cycleKey?: string }
  | { action: 'accountLinked'; accountId: string | null }
  /**
   * The customer unlinked or replaced the account a grant acts on: what was granted to the previous
   * account is revoked and the grant waits again (an `accountLinked` after it grants on the new one).
   */
  | { action: 'accountUnlinked' }
  /** Sent by the grant's own workflow at the moment its strategy asked for (`recheckAt`). */
  | { action: 'recheck' };

/** An order or subscription: what holds a set of grants. */
export interface GrantScope {
  organizationId: string;
  customerId: string;
  productId: string | null;
  orderId?: string | null;
  subscriptionId?: string | null;
}

export interface GrantWorkflowInput {
  grantId: string;
  organizationId: string;
  customerId: string;
  benefitId: string;
  benefitType: string;
  /** The command a run was started for; applied first (absent on continue-as-new). */
  initialCommand?: GrantCommand;
  /**
   * Set on every run started since commands became local-first (workflows/local-first.ts); runs
   * started before keep scheduling regular activities, so their histories replay. A flag in the
   * input rather than patched(): a patch also upserts a search attribute, a second visibility
   * write per grant.
   */
  localFirst?: boolean;
}

export interface GrantState {
  grantId: string;
  status: GrantStatus;
  grantedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
  /** When the workflow sends itself a `recheck` (absent in states carried before it existed). */
  recheckAt?: string | null;
  error: { message: string; type: string } | null;
  pendingCommands: GrantCommand['action'][];
  processed: number;
}

/** Fire-and-forget command to a grant (API, fan-outs). */
export const grantCommandSignal = defineSignal<[GrantCommand]>('grantCommand');
/** The same command, answered once the grant has applied it (used when order matters). */
export const grantCommandUpdate = defineUpdate<GrantState, [GrantCommand]>('applyGrantCommand');
export const grantStateQuery = defineQuery<GrantState>('grantState');

export type SubscriptionEvent =
  | { kind: 'changed' } // the row changed (cancel_at_period_end, new period): re-read it
  | { kind: 'renewed'; orderId: string }
  | { kind: 'revokeNow' };

export const subscriptionEventSignal = defineSignal<[SubscriptionEvent]>('subscriptionEvent');

export interface SubscriptionState {
  subscriptionId: string;
  status: string;
  currentPeriodEnd: string | null;
  phase: 'active' | 'past_due_grace' | 'past_due_revoked' | 'ended';
}
export const subscriptionStateQuery = defineQuery<SubscriptionState>('subscriptionState');

export interface DriftRepairInput {
  /** Only these types (default: every type that has drift repair). */
  types?: string[];
  /** Report what would change, change nothing. */
  dryRun?: boolean;
}

export const webhookEndpointKickSignal = defineSignal('webhookKick');
