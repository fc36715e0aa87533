// The activity surface the workflows call. Workflows import only these types; the worker binds
// real implementations (activities/*.activities.ts) and tests bind in-memory fakes.
import type { GrantCommand, GrantStatus } from '../workflows/definitions';

export interface GrantScope {
  organizationId: string;
  customerId: string;
  productId: string | null;
  orderId?: string | null;
  subscriptionId?: string | null;
}

export interface GrantCommandResult {
  status: GrantStatus;
  grantedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
  error: { message: string; type: string } | null;
  /** False when the command was a no-op (already granted, already revoked). */
  changed: boolean;
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
}

export type SubscriptionTransition = 'past_due' | 'active' | 'canceled' | 'revoked';

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
  applyGrantCommand(input: { grantId: string; command: GrantCommand }): Promise<GrantCommandResult>;
  markGrantExpired(input: { grantId: string }): Promise<void>;

  /** Creates missing grant rows for the scope's product benefits and starts their workflows. */
  grantScope(scope: GrantScope, onlyBenefitIds?: string[]): Promise<number>;
  scopeChanges(scope: GrantScope): Promise<ScopeChanges>;
  /** Sends a command to each grant; with `wait`, returns once every grant has applied it. */
  commandGrants(input: { grantIds: string[]; command: GrantCommand; wait: boolean }): Promise<void>;
  /** Sends a command to every not-yet-revoked grant (or, for cycle, granted grant) of a scope. */
  commandScope(input: { scope: GrantScope; command: GrantCommand }): Promise<number>;

  loadSubscription(input: { subscriptionId: string }): Promise<SubscriptionSnapshot | null>;
  transitionSubscription(input: { subscriptionId: string; to: SubscriptionTransition }): Promise<SubscriptionSnapshot>;

  listGrantIds(input: { filter: GrantFilter; afterId: string | null; limit: number; notRevokedOnly: boolean }): Promise<string[]>;
  listProductScopes(input: { productId: string; after: string | null; limit: number }): Promise<{ scopes: GrantScope[]; next: string | null }>;

  nextWebhookEvent(input: { endpointId: string }): Promise<PendingWebhookEvent | null>;
  deliverWebhook(input: { eventId: string; attempt: number }): Promise<WebhookAttemptResult>;
  finishWebhookEvent(input: { eventId: string; succeeded: boolean }): Promise<{ endpointDisabled: boolean }>;

  startMissingWorkflows(input: { olderThanSeconds: number }): Promise<number>;
}
