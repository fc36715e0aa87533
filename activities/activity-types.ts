// The activity surface the workflows call. Workflows import only these types; the worker binds
// real implementations (activities/*.activities.ts) and tests bind in-memory fakes.
import type { DriftReport } from '../benefits/strategy';
import type { GrantCommand, GrantScope, GrantStatus } from '../workflows/definitions';

export type { GrantScope };

export interface GrantCommandResult {
  status: GrantStatus;
  grantedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
  error: { message: string; type: string } | null;
  /** False when the command was a no-op (already granted, already revoked). */
  changed: boolean;
  /** In how long the strategy wants a `recheck` command (absent in results recorded before it existed). */
  recheckInMs?: number | null;
}

export interface ScopeChanges {
  /** Grants of benefits that left the product: revoked first. */
  toRevoke: string[];
  /** Product benefits the scope has no granted grant of yet. */
  toGrant: string[];
}

export interface SubscriptionSnapshot {
  id: string;
  organizationId: string;
  customerId: string;
  productId: string;
  status: string;
  currentPeriodEnd: string;
  cancelAtPeriodEnd: boolean;
  gracePeriodDays: number;
  endedAt: string | null;
  /** How many times the period moved on (absent in snapshots recorded before it existed). */
  renewalCount?: number;
}

export type SubscriptionTransition = 'past_due' | 'active' | 'canceled' | 'revoked';

const LIVE = ['trialing', 'active', 'past_due'];
/** The statuses each transition moves from; any other status means the row changed meanwhile. */
export const TRANSITION_FROM: Record<SubscriptionTransition, readonly string[]> = {
  past_due: ['trialing', 'active'],
  active: ['past_due'],
  canceled: LIVE,
  // The API marks the row canceled before it signals an immediate revoke.
  revoked: [...LIVE, 'canceled', 'incomplete', 'unpaid'],
};

export interface SubscriptionTransitionInput {
  subscriptionId: string;
  to: SubscriptionTransition;
  /** A period-end decision: applies only while the period still ends at or before this. */
  periodEnd?: string;
}

export interface WebhookAttemptResult {
  succeeded: boolean;
  httpCode: number | null;
  /** The network policy refused the destination: no attempt could succeed, so none follows. */
  refused?: boolean;
}

export interface PendingWebhookEvent {
  eventId: string;
  attempts: number;
}

export type GrantFilter = { benefitId: string } | { customerId: string };

export interface EngineActivities {
  /** `benefitType` (absent from runs scheduled before it was passed) lets a computed-only type skip the lock. */
  applyGrantCommand(input: { grantId: string; command: GrantCommand; benefitType?: string }): Promise<GrantCommandResult>;
  markGrantExpired(input: { grantId: string }): Promise<void>;

  /** Creates missing grant rows for the scope's product benefits and starts their workflows. */
  grantScope(scope: GrantScope, onlyBenefitIds?: string[]): Promise<number>;
  scopeChanges(scope: GrantScope): Promise<ScopeChanges>;
  /** Sends a command to each grant; with `wait`, returns once every grant has applied it. */
  commandGrants(input: { grantIds: string[]; command: GrantCommand; wait: boolean }): Promise<void>;
  /** Sends a command to every not-yet-revoked grant (or, for cycle, granted grant) of a scope. */
  commandScope(input: { scope: GrantScope; command: GrantCommand }): Promise<number>;

  loadSubscription(input: { subscriptionId: string }): Promise<SubscriptionSnapshot | null>;
  /** Applies only from the statuses the transition expects; otherwise returns the row unchanged. */
  transitionSubscription(input: SubscriptionTransitionInput): Promise<SubscriptionSnapshot>;

  listGrantIds(input: { filter: GrantFilter; afterId: string | null; limit: number; notRevokedOnly: boolean }): Promise<string[]>;
  listProductScopes(input: {
    productId: string;
    after: string | null;
    limit: number;
  }): Promise<{ scopes: GrantScope[]; next: string | null }>;

  nextWebhookEvent(input: { endpointId: string }): Promise<PendingWebhookEvent | null>;
  deliverWebhook(input: { eventId: string; attempt: number }): Promise<WebhookAttemptResult>;
  finishWebhookEvent(input: { eventId: string; succeeded: boolean }): Promise<{ endpointDisabled: boolean }>;

  startMissingWorkflows(input: { olderThanSeconds: number }): Promise<number>;
}

/** Drift repair (workflows/drift-repair.workflow.ts), apart so the grant engine's fakes need not bind it. */
export interface DriftRepairActivities {
  /** The benefit types whose strategy has `repairDrift`. */
  driftRepairTypes(): Promise<string[]>;
  /** One pass over a type (a dry run reports and changes nothing); null when the type has none. */
  repairDrift(input: { type: string; dryRun?: boolean }): Promise<DriftReport | null>;
}
