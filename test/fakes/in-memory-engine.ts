// An in-memory EngineActivities for workflow tests: grants, subscriptions, products and orders in
// maps, a provider that records what a customer would notice, and a log of every activity call.
// Grant commands reach real benefitGrantWorkflow executions through a real EngineClient.
import { randomUUID } from 'node:crypto';
import {
  EngineActivities,
  GrantCommandResult,
  GrantFilter,
  GrantScope,
  ScopeChanges,
  SubscriptionSnapshot,
  SubscriptionTransition,
  SubscriptionTransitionInput,
  TRANSITION_FROM,
} from '../../activities/activity-types';
import type { EngineClient } from '../../engine/engine-client';
import { GrantCommand, GrantStatus, GrantWorkflowInput, workflowIds } from '../../workflows/definitions';

export interface FakeGrant {
  id: string;
  organizationId: string;
  customerId: string;
  benefitId: string;
  orderId: string | null;
  subscriptionId: string | null;
  status: GrantStatus;
  grantedAt: number | null;
  revokedAt: number | null;
  expiresAt: number | null;
}

/** One activity call; `at` is the test server's clock when the call started. */
export interface CallRecord {
  seq: number;
  name: keyof EngineActivities;
  phase: 'start' | 'end';
  at: number;
  input: any;
}

/** What the benefit's provider saw: `keep` is a revoke that left shared access in place. */
export interface ProviderEvent {
  kind: 'grant' | 'revoke' | 'keep' | 'update' | 'cycle';
  grantId: string;
  at: number;
  /** A cycle's key (which renewal it applies). */
  key?: string;
}

export interface InMemoryEngineOptions {
  engine: EngineClient;
  /** The test server's clock (activities' own Date.now() is wall time under time skipping). */
  now: () => Promise<number>;
  /** The strategy's grant outcome carries expiresAt = grant time + this. */
  grantExpiresInMs?: number;
  /** Provider latency between reading and writing a grant: concurrent commands would double-apply. */
  providerLatencyMs?: number;
}

const ORG = 'org-1';

export class InMemoryEngine {
  readonly benefits = new Map<string, { id: string; type: 'custom' | 'feature_flag'; deleted: boolean }>();
  readonly productBenefits = new Map<string, string[]>();
  readonly orders = new Map<string, GrantScope>();
  readonly subscriptions = new Map<string, SubscriptionSnapshot>();
  readonly grants = new Map<string, FakeGrant>();
  readonly calls: CallRecord[] = [];
  readonly transitions: { subscriptionId: string; to: SubscriptionTransition; at: number }[] = [];
  readonly provider: ProviderEvent[] = [];
  /** Customer:benefit pairs with external access right now (shared by every source). */
  readonly access = new Set<string>();
  private readonly prefix = randomUUID().slice(0, 8);
  private counter = 0;

  constructor(private readonly opts: InMemoryEngineOptions) {}

  // ---- seeding -------------------------------------------------------------------------------
  private nextId(kind: string): string {
    return `${this.prefix}-${kind}-${String(++this.counter).padStart(6, '0')}`;
  }

  addBenefit(type: 'custom' | 'feature_flag' = 'custom'): string {
    const id = this.nextId('benefit');
    this.benefits.set(id, { id, type, deleted: false });
    return id;
  }

  addProduct(benefitIds: string[]): string {
    const id = this.nextId('product');
    this.productBenefits.set(id, [...benefitIds]);
    return id;
  }

  addOrder(customerId: string, productId: string): GrantScope {
    const scope: GrantScope = { organizationId: ORG, customerId, productId, orderId: this.nextId('order') };
    this.orders.set(scope.orderId!, scope);
    return scope;
  }

  addSubscription(s: {
    customerId: string;
    productId: string;
    currentPeriodEnd: number;
    cancelAtPeriodEnd?: boolean;
    gracePeriodDays?: number;
  }): SubscriptionSnapshot {
    const sub: SubscriptionSnapshot = {
      id: this.nextId('sub'),
      organizationId: ORG,
      customerId: s.customerId,
      productId: s.productId,
      status: 'active',
      currentPeriodEnd: new Date(s.currentPeriodEnd).toISOString(),
      cancelAtPeriodEnd: s.cancelAtPeriodEnd ?? false,
      gracePeriodDays: s.gracePeriodDays ?? 0,
      endedAt: null,
      renewalCount: 0,
    };
    this.subscriptions.set(sub.id, sub);
    return sub;
  }

  /** What billing does before it signals `renewed`: the period moves on. */
  renewSubscription(id: string, newPeriodEnd: number): void {
    const sub = this.subscriptions.get(id)!;
    sub.currentPeriodEnd = new Date(newPeriodEnd).toISOString();
    // As the subscriptions trigger counts: every move of the period end is one renewal.
    sub.renewalCount = (sub.renewalCount ?? 0) + 1;
  }

  /** A grant row that exists without a running workflow (granted long ago). */
  seedGrant(scope: GrantScope, benefitId: string, status: GrantStatus = 'granted'): FakeGrant {
    const grant: FakeGrant = {
      id: this.nextId('grant'),
      organizationId: scope.organizationId,
      customerId: scope.customerId,
      benefitId,
      orderId: scope.orderId ?? null,
      subscriptionId: scope.subscriptionId ?? null,
      status,
      grantedAt: status === 'granted' ? 0 : null,
      revokedAt: null,
      expiresAt: null,
    };
    this.grants.set(grant.id, grant);
    return grant;
  }

  // ---- reading -------------------------------------------------------------------------------
  grantsOf(scope: Pick<GrantScope, 'customerId' | 'orderId' | 'subscriptionId'>): FakeGrant[] {
    return [...this.grants.values()].filter(
      (g) =>
        g.customerId === scope.customerId && g.orderId === (scope.orderId ?? null) && g.subscriptionId === (scope.subscriptionId ?? null),
    );
  }

  grantOf(scope: GrantScope, benefitId: string): FakeGrant | undefined {
    return this.grantsOf(scope).find((g) => g.benefitId === benefitId);
  }

  callsOf(name: keyof EngineActivities, phase: 'start' | 'end' = 'start'): CallRecord[] {
    return this.calls.filter((c) => c.name === name && c.phase === phase);
  }

  /** Index in the log of a grant command's start or end. */
  commandIndex(grantId: string, action: GrantCommand['action'], phase: 'start' | 'end'): number {
    return this.calls.findIndex(
      (c) => c.name === 'applyGrantCommand' && c.phase === phase && c.input.grantId === grantId && c.input.command.action === action,
    );
  }

  grantWorkflowIds(): string[] {
    return [...this.grants.keys()].map((id) => workflowIds.grant(id));
  }

  workflowInput(g: FakeGrant): GrantWorkflowInput {
    return {
      grantId: g.id,
      organizationId: g.organizationId,
      customerId: g.customerId,
      benefitId: g.benefitId,
      benefitType: this.benefits.get(g.benefitId)?.type ?? 'custom',
    };
  }

  /** What the API does once a purchase is recorded (dispatchOrder): grant the order's scope. */
  purchase(scope: GrantScope): Promise<number> {
    return this.grantScope(scope);
  }

  // ---- activities ----------------------------------------------------------------------------
  activities(): EngineActivities {
    const impl: {
      [K in keyof EngineActivities]: (at: number, ...args: Parameters<EngineActivities[K]>) => ReturnType<EngineActivities[K]>;
    } = {
      applyGrantCommand: (at, input) => this.applyGrantCommand(at, input.grantId, input.command),
      markGrantExpired: async () => undefined,
      grantScope: (_at, scope, only) => this.grantScope(scope, only),
      scopeChanges: async (_at, scope) => this.scopeChanges(scope),
      commandGrants: (_at, input) =>
        this.send(
          input.grantIds.map((id) => this.grants.get(id)!),
          input.command,
          input.wait,
        ),
      commandScope: async (_at, { scope, command }) => {
        const targets = this.grantsOf(scope).filter((g) => (command.action === 'revoke' ? g.status !== 'revoked' : g.status === 'granted'));
        await this.send(targets, command, false);
        return targets.length;
      },
      loadSubscription: async (_at, { subscriptionId }) => clone(this.subscriptions.get(subscriptionId) ?? null),
      transitionSubscription: async (at, input) => this.transition(at, input),
      listGrantIds: async (_at, input) => this.listGrantIds(input),
      listProductScopes: async (_at, input) => this.listProductScopes(input.productId, input.after, input.limit),
      nextWebhookEvent: async () => null,
      deliverWebhook: async () => ({ succeeded: true, httpCode: 204 }),
      finishWebhookEvent: async () => ({ endpointDisabled: false }),
      startMissingWorkflows: async () => 0,
    };
    const entries = Object.entries(impl).map(([name, fn]) => [
      name,
      this.recorded(name as keyof EngineActivities, fn as (at: number, ...args: any[]) => Promise<unknown>),
    ]);
    return Object.fromEntries(entries) as EngineActivities;
  }

  /** Logs start and end of a call; `fn` gets the start time (one clock read per call). */
  private recorded(name: keyof EngineActivities, fn: (at: number, ...args: any[]) => Promise<unknown>) {
    return async (...args: any[]) => {
      const at = await this.opts.now();
      const input = args.length === 1 ? args[0] : args;
      this.calls.push({ seq: this.calls.length, name, phase: 'start', at, input });
      try {
        return await fn(at, ...args);
      } finally {
        this.calls.push({ seq: this.calls.length, name, phase: 'end', at, input });
      }
    };
  }

  private async applyGrantCommand(at: number, grantId: string, command: GrantCommand): Promise<GrantCommandResult> {
    const grant = this.grants.get(grantId);
    if (!grant) throw new Error(`grant ${grantId} not found`);
    const before = grant.status; // read, then the provider call, then write: like a real activity
    const provider = (kind: ProviderEvent['kind']) => this.provider.push({ kind, grantId, at });
    const pair = `${grant.customerId}:${grant.benefitId}`;
    let changed = true;
    await this.latency();
    if (command.action === 'grant' || command.action === 'accountLinked') {
      if (before === 'granted') changed = false;
      else {
        provider('grant');
        this.access.add(pair);
        Object.assign(grant, {
          status: 'granted',
          grantedAt: at,
          revokedAt: null,
          expiresAt: this.opts.grantExpiresInMs ? at + this.opts.grantExpiresInMs : null,
        });
      }
    } else if (command.action === 'revoke') {
      if (before === 'revoked') changed = false;
      else {
        if (before === 'granted') {
          const heldElsewhere = [...this.grants.values()].some(
            (g) => g.id !== grantId && g.status === 'granted' && `${g.customerId}:${g.benefitId}` === pair,
          );
          provider(heldElsewhere ? 'keep' : 'revoke');
          if (!heldElsewhere) this.access.delete(pair);
        }
        Object.assign(grant, { status: 'revoked', grantedAt: null, revokedAt: at, expiresAt: null });
      }
    } else if (command.action === 'accountUnlinked' || command.action === 'recheck') {
      // The in-memory engine models no linked accounts: nothing to withdraw.
      changed = false;
    } else if (before === 'granted') {
      if (command.action === 'cycle') this.provider.push({ kind: 'cycle', grantId, at, key: command.cycleKey });
      else provider(command.action);
    } else changed = false;
    return {
      status: grant.status,
      grantedAt: iso(grant.grantedAt),
      revokedAt: iso(grant.revokedAt),
      expiresAt: grant.status === 'granted' ? iso(grant.expiresAt) : null,
      error: null,
      changed,
    };
  }

  private async grantScope(scope: GrantScope, onlyBenefitIds?: string[]): Promise<number> {
    const wanted = this.liveProductBenefits(scope.productId).filter((id) => !onlyBenefitIds || onlyBenefitIds.includes(id));
    const rows = wanted.map((benefitId) => this.grantOf(scope, benefitId) ?? this.seedGrant(scope, benefitId, 'pending'));
    const pending = rows.filter((g) => g.status !== 'granted');
    await this.send(pending, { action: 'grant' }, false);
    return pending.length;
  }

  private scopeChanges(scope: GrantScope): ScopeChanges {
    const wanted = new Set(this.liveProductBenefits(scope.productId));
    const rows = this.grantsOf(scope);
    const held = new Set(rows.filter((g) => g.status === 'granted' || g.status === 'pending').map((g) => g.benefitId));
    return {
      toRevoke: rows.filter((g) => !wanted.has(g.benefitId) && g.status !== 'revoked').map((g) => g.id),
      toGrant: [...wanted].filter((id) => !held.has(id)),
    };
  }

  private async send(grants: FakeGrant[], command: GrantCommand, wait: boolean): Promise<void> {
    for (let i = 0; i < grants.length; i += 20) {
      await Promise.all(
        grants
          .slice(i, i + 20)
          .map((g) =>
            wait
              ? this.opts.engine.commandGrantAndWait(this.workflowInput(g), command)
              : this.opts.engine.commandGrant(this.workflowInput(g), command),
          ),
      );
    }
  }

  /** Like the real one: only from the expected statuses, and a period-end decision only in that period. */
  private transition(at: number, { subscriptionId, to, periodEnd }: SubscriptionTransitionInput): SubscriptionSnapshot {
    const sub = this.subscriptions.get(subscriptionId)!;
    const stillThere = !periodEnd || Date.parse(sub.currentPeriodEnd) <= Date.parse(periodEnd);
    if (!TRANSITION_FROM[to].includes(sub.status) || !stillThere) return clone(sub)!;
    this.transitions.push({ subscriptionId, to, at });
    sub.status = to === 'revoked' ? 'canceled' : to;
    if (to === 'canceled' || to === 'revoked') sub.endedAt = new Date(at).toISOString();
    return clone(sub)!;
  }

  private listGrantIds(input: { filter: GrantFilter; afterId: string | null; limit: number; notRevokedOnly: boolean }): string[] {
    const f = input.filter as { benefitId?: string; customerId?: string };
    return [...this.grants.values()]
      .filter((g) => (!f.benefitId || g.benefitId === f.benefitId) && (!f.customerId || g.customerId === f.customerId))
      .filter((g) => (!input.afterId || g.id > input.afterId) && (!input.notRevokedOnly || g.status !== 'revoked'))
      .map((g) => g.id)
      .sort()
      .slice(0, input.limit);
  }

  private listProductScopes(productId: string, after: string | null, limit: number) {
    const subs = [...this.subscriptions.values()]
      .filter((s) => s.productId === productId && s.endedAt === null)
      .map((s): GrantScope => ({ organizationId: s.organizationId, customerId: s.customerId, productId, subscriptionId: s.id }));
    const all = [...[...this.orders.values()].filter((o) => o.productId === productId), ...subs];
    const start = after ? Number(after) : 0;
    const next = start + limit < all.length ? String(start + limit) : null;
    return { scopes: all.slice(start, start + limit), next };
  }

  private liveProductBenefits(productId: string | null): string[] {
    return (productId ? (this.productBenefits.get(productId) ?? []) : []).filter((id) => !this.benefits.get(id)?.deleted);
  }

  private latency(): Promise<void> {
    return new Promise((r) => setTimeout(r, this.opts.providerLatencyMs ?? 5));
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function clone<T>(value: T): T {
  return value === null ? value : structuredClone(value);
}
