// Applies one command to one grant: loads the grant, its benefit and customer, runs the type's
// strategy, writes the new state, the audit event and the webhook outbox in one transaction (or,
// for a computed-only type's grant or revoke with nothing else to write, in one statement guarded
// by the row's version: applyUnlocked).
// It is also the one guard on granting: only a live scope grants, and a grant revoked for a final
// reason (see RevokeReason) is never granted again, whoever sends the command.
import { Context } from '@temporalio/activity';
import type { EntityManager } from 'typeorm';
import { serializeGrant } from '../wire/grant.serializer';
import { isSupportedBenefitType } from '../benefits/benefit-types';
import type { BenefitStrategy, GrantContext, GrantOutcome } from '../benefits/strategy';
import { GrantRow, GrantsRepository } from '../db/repositories/grants.repository';
import { LinkedAccountsRepository, type LinkedAccount } from '../db/repositories/linked-accounts.repository';
import { WebhookEventsRepository } from '../db/repositories/webhook-events.repository';
import type { ScopeFacts } from '../db/repositories/scopes.repository';
import { mayGrantAgain, type GrantCommand, type RevokeReason } from '../workflows/definitions';
import { kickOrganizationWebhooks } from '../engine/engine-commands';
import type { GrantCommandResult } from './activity-types';
import type { EngineDeps } from './engine-deps';
import { ParkedError, translateStrategyError } from './failures';
import { deadScopeReason, inferredRevokeReason } from './scope-liveness';
import { enqueueCustomerState } from './webhook-outbox';
import { withFreshTokens } from './linked-account-tokens';

interface Applied {
  row: GrantRow;
  changed: boolean;
  expiresAt: string | null;
  /** In how long the workflow should send a `recheck` (the strategy asked). */
  recheckInMs?: number | null;
}

type GrantOrLink = Extract<GrantCommand, { action: 'grant' | 'accountLinked' }>;
type UpdateOrCycle = Extract<GrantCommand, { action: 'update' | 'cycle' }>;

interface Loaded {
  grant: GrantRow;
  benefit: any;
  customer: any;
  /** The grant's scope, read with its lock. */
  facts: ScopeFacts;
  /** Event types some endpoint of the organization listens to, read with the lock. */
  listened: Set<string>;
  strategy: BenefitStrategy<any>;
  /** The customer's account on the strategy's `linkedPlatform` (undefined when it has none). */
  linkedAccount?: LinkedAccount | null;
  em: EntityManager;
  /**
   * The row's version when read without its lock (applyUnlocked): then only the moves that are one
   * statement may write, guarded by it; any other throws NeedsLock first. Null under the lock.
   */
  version: string | null;
}

/** The command cannot be applied without the row's lock: applyUnlocked hands it to the locked path. */
class NeedsLock extends Error {}

export function grantActivities(deps: EngineDeps) {
  const grants = new GrantsRepository(deps.dataSource);
  const webhookEvents = new WebhookEventsRepository(deps.dataSource);
  const linkedAccounts = new LinkedAccountsRepository(deps.dataSource, deps.secretBox ?? null);
  const sharedAccessTypes = Object.entries(deps.registry)
    .filter(([, strategy]) => strategy.sharedAccess)
    .map(([type]) => type);

  async function load(em: EntityManager, grantId: string): Promise<Loaded> {
    // A shared-access type's lock (one command at a time per customer and benefit) comes with the row's.
    const locked = await grants.lockForCommand(em, grantId, sharedAccessTypes);
    if (!locked) throw new Error(`grant ${grantId} not found`);
    const { grant, benefit, customer, facts, listened } = locked;
    const type: string = benefit.type;
    if (!isSupportedBenefitType(type)) throw new Error(`no strategy for benefit type ${type}`);
    const strategy = deps.registry[type];
    const found = strategy.linkedPlatform ? await linkedAccounts.find(em, grant.customer_id, strategy.linkedPlatform) : undefined;
    const linkedAccount = found ? await withFreshTokens(deps.providers ?? {}, linkedAccounts, em, found) : found;
    return { grant, benefit, customer, facts, listened, strategy, linkedAccount, em, version: null };
  }

  /**
   * A grant or revoke of a computed-only type (no provider, no rows of its own) whose organization
   * listens to none of the events it would write changes the grant row alone, with its audit event
   * in the same statement. That statement commits on its own, guarded by the version read, instead
   * of BEGIN, a locking read, the write and COMMIT: two round trips instead of four, and no row
   * lock to write. On the 2-core machines each round trip costs the worker and PostgreSQL more than
   * the statement itself (docs/benchmarks.md). Null when the command needs the locked path: another
   * type or command, an event to write, or a row changed since the read (nothing was written).
   */
  async function applyUnlocked(input: { grantId: string; command: GrantCommand; benefitType?: string }): Promise<Applied | null> {
    const { command, benefitType } = input;
    if (command.action !== 'grant' && command.action !== 'revoke') return null;
    const strategy = benefitType && isSupportedBenefitType(benefitType) ? deps.registry[benefitType] : undefined;
    if (!strategy?.computedOnly || strategy.linkedPlatform) return null;
    const read = await grants.readForCommand(input.grantId);
    // A missing grant is reported by the locked path; a type read back other than the one passed
    // would be a bug upstream, handled there too.
    if (!read || read.benefit.type !== benefitType || writesEvents(read.listened)) return null;
    const l: Loaded = { ...read, strategy, em: deps.dataSource.manager };
    try {
      return await run(l.em, l, command);
    } catch (err) {
      if (err instanceof NeedsLock) return null;
      throw err;
    }
  }

  function context(l: Loaded, accountId?: string | null): GrantContext {
    return {
      benefit: {
        id: l.benefit.id,
        organizationId: l.benefit.organization_id,
        type: l.benefit.type,
        description: l.benefit.description,
        properties: l.benefit.properties,
      },
      customer: { id: l.customer.id, email: l.customer.email, name: l.customer.name, externalId: l.customer.external_id },
      grant: {
        id: l.grant.id,
        customerId: l.grant.customer_id,
        benefitId: l.grant.benefit_id,
        subscriptionId: l.grant.subscription_id,
        orderId: l.grant.order_id,
        properties: l.grant.properties ?? {},
        grantedAt: l.grant.granted_at,
      },
      now: new Date(),
      accountId: l.linkedAccount?.accountId ?? accountId ?? (l.grant.properties?.account_id as string | undefined) ?? null,
      linkedAccount: l.linkedAccount,
      tx: l.em,
      signal: activityCancellation(deps.stopping),
      providers: deps.providers ?? {},
    };
  }

  // Transactions that wrote a webhook event: only those need endpoints kicked after commit (an
  // organization with no endpoint subscribed skips the kick's query on every grant).
  const wroteEvents = new WeakSet<EntityManager>();

  async function emit(em: EntityManager, l: Loaded, row: GrantRow, type: string, previous?: Record<string, unknown>) {
    // Read with the lock: most organizations' grants build no payload.
    const { listened } = l;
    if (!listened.has(type) && !listened.has('customer.state_changed')) return;
    // applyUnlocked only runs a command with no event to write; this is the guard behind that check.
    if (l.version !== null) throw new Error('an unlocked grant command reached an event write');
    let endpoints: string[] = [];
    if (listened.has(type)) {
      const data = { ...serializeGrant(row, l.benefit, l.customer), previous_properties: previous ?? null };
      endpoints = await webhookEvents.enqueue(em, row.organization_id, type, data);
    }
    const state = listened.has('customer.state_changed') && (await enqueueCustomerState(em, row.organization_id, row.customer_id));
    if (endpoints.length > 0 || state) wroteEvents.add(em);
  }

  /** The moves every command is made of, bound to one locked grant. */
  function moves(em: EntityManager, l: Loaded) {
    const { grant, strategy } = l;
    // A repeated command re-arms only an expiry still ahead (one that passed was already marked).
    const storedExpiry = (grant.properties?.expires_at as string | undefined) ?? null;
    const noop: Applied = {
      row: grant,
      changed: false,
      expiresAt: storedExpiry && Date.parse(storedExpiry) > Date.now() ? storedExpiry : null,
    };
    const attempt = async (fn: () => Promise<GrantOutcome>): Promise<GrantOutcome | ParkedError> => {
      try {
        return await fn();
      } catch (err) {
        return translateStrategyError(err);
      }
    };
    // Under applyUnlocked, a move of more than one statement goes to the locked path before writing.
    const needsLock = () => {
      if (l.version !== null) throw new NeedsLock();
    };
    const park = async (parked: ParkedError): Promise<Applied> => {
      needsLock();
      const row = await grants.markFailed(em, grant.id, parked);
      await grants.recordEvent(em, row, 'failed', { ...parked });
      await emit(em, l, row, 'benefit_grant.updated', grant.properties);
      return { row, changed: true, expiresAt: null };
    };
    const awaitAccount = async (): Promise<Applied> => {
      if (!grant.error && grant.properties && grant.properties.account_id === null) return noop;
      needsLock();
      const row = await grants.markAwaitingAccount(em, grant.id);
      await grants.recordEvent(em, row, 'awaiting_account', { platform: strategy.linkedPlatform });
      await emit(em, l, row, 'benefit_grant.updated', grant.properties);
      return { row, changed: true, expiresAt: null };
    };
    // Access held by an account the customer no longer links is taken back; the grant waits again.
    const withdraw = async (): Promise<Applied> => {
      needsLock();
      const stillHeldElsewhere = strategy.sharedAccess && (await grants.heldElsewhere(em, grant));
      const out = await attempt(() => strategy.revoke({ ...context(l), stillHeldElsewhere }));
      if (!('properties' in out)) return park(out);
      const row = await grants.markAwaitingAccount(em, grant.id, out.properties);
      await grants.recordEvent(em, row, 'account_unlinked', { platform: strategy.linkedPlatform });
      await emit(em, l, row, 'benefit_grant.updated', grant.properties);
      return { row, changed: true, expiresAt: null };
    };
    const revoke = async (reason: RevokeReason): Promise<Applied> => {
      const wasGranted = grant.granted_at !== null;
      let properties = grant.properties ?? {};
      if (wasGranted) {
        const stillHeldElsewhere = strategy.sharedAccess && (await grants.heldElsewhere(em, grant));
        const out = await attempt(() => strategy.revoke({ ...context(l), stillHeldElsewhere }));
        if ('properties' in out) properties = out.properties;
      }
      // Also records the `revoked` event ({ was_granted, reason }).
      const row = await grants.markRevoked(em, grant.id, properties, reason, l.version);
      if (!row) throw new NeedsLock();
      await emit(em, l, row, 'benefit_grant.revoked', grant.properties);
      return { row, changed: true, expiresAt: null };
    };
    // A revoked grant keeps the strongest reason it learns: a final one replaces one that would
    // let it be granted again (its benefit left the product, then its license key was revoked).
    const recordReason = async (reason: RevokeReason): Promise<Applied> => {
      if (!mayGrantAgain(grant.revoke_reason) || mayGrantAgain(reason)) return noop;
      needsLock();
      const row = await grants.setRevokeReason(em, grant.id, reason);
      await grants.recordEvent(em, row, 'revoke_reason', { reason, previous: grant.revoke_reason });
      return { ...noop, row };
    };
    return { noop, attempt, park, awaitAccount, withdraw, revoke, recordReason };
  }
  type Moves = ReturnType<typeof moves>;

  async function grant(em: EntityManager, l: Loaded, command: GrantOrLink, m: Moves): Promise<Applied> {
    const { grant: g, strategy } = l;
    if (g.granted_at) return m.noop;
    // Linking an account resumes a grant that waits on the customer; it never undoes a revoke.
    if (g.revoked_at && command.action === 'accountLinked') return m.noop;
    const reinstate = command.action === 'grant' && command.reinstate === true;
    if (g.revoked_at && !mayGrantAgain(g.revoke_reason, reinstate)) return m.noop;
    // Only a live scope grants, whoever sent the command (fan-out, relay, retry, portal).
    const dead = deadScopeReason(l.facts);
    if (dead) return g.revoked_at ? m.recordReason(dead) : m.revoke(dead);
    // A type that acts on the customer's own account waits, without an error, until one is linked.
    if (strategy.linkedPlatform && !l.linkedAccount) return m.awaitAccount();
    const accountId = l.linkedAccount?.accountId ?? (command.action === 'accountLinked' ? command.accountId : undefined);
    const out = await m.attempt(() => strategy.grant(context(l, accountId)));
    if (!('properties' in out)) return m.park(out);
    const properties = { ...out.properties, ...(accountId ? { account_id: accountId } : {}) };
    // Also records the `granted` event ({ properties }).
    const row = await grants.markGranted(em, g.id, properties, l.version);
    if (!row) throw new NeedsLock();
    const first = !g.revoked_at && !g.error;
    await emit(em, l, row, first ? 'benefit_grant.created' : 'benefit_grant.updated', g.properties);
    return { row, changed: true, expiresAt: out.expiresAt ?? null, recheckInMs: out.recheckInMs ?? null };
  }

  async function change(em: EntityManager, l: Loaded, command: UpdateOrCycle, m: Moves): Promise<Applied> {
    const { grant: g, strategy } = l;
    if (!g.granted_at) return m.noop;
    const out = await m.attempt(() =>
      command.action === 'update'
        ? strategy.update(context(l), command.previousProperties)
        : strategy.cycle({ ...context(l), cycleKey: command.cycleKey ?? attemptKey() }),
    );
    if (!('properties' in out)) return m.park(out);
    const row = await grants.updateProperties(em, g.id, out.properties);
    await grants.recordEvent(em, row, command.action === 'update' ? 'updated' : 'cycled', {});
    await emit(em, l, row, command.action === 'update' ? 'benefit_grant.updated' : 'benefit_grant.cycled', g.properties);
    return { row, changed: true, expiresAt: out.expiresAt ?? null, recheckInMs: out.recheckInMs ?? null };
  }

  /** The moment the strategy asked for came (e.g. an invitation GitHub expires after 7 days). */
  async function recheck(em: EntityManager, l: Loaded, m: Moves): Promise<Applied> {
    const { grant: g, strategy } = l;
    if (!g.granted_at || !strategy.recheck) return m.noop;
    const out = await m.attempt(() => strategy.recheck!(context(l)));
    if (!('properties' in out)) return m.park(out);
    const same = JSON.stringify(out.properties) === JSON.stringify(g.properties ?? {});
    const row = same ? g : await grants.updateProperties(em, g.id, out.properties);
    await grants.recordEvent(em, row, 'rechecked', { changed: !same });
    if (!same) await emit(em, l, row, 'benefit_grant.updated', g.properties);
    return { row, changed: !same, expiresAt: m.noop.expiresAt, recheckInMs: out.recheckInMs ?? null };
  }

  /** The linked account changed: a grant held by another account than the linked one is withdrawn. */
  async function unlinked(l: Loaded, m: Moves): Promise<Applied> {
    const { grant: g } = l;
    if (!l.strategy.linkedPlatform || g.revoked_at) return m.noop;
    if (!g.granted_at) return l.linkedAccount ? m.noop : m.awaitAccount();
    const holder = (g.properties?.granted_account_id ?? g.properties?.account_id) as string | undefined;
    if (l.linkedAccount && holder === l.linkedAccount.accountId) return m.noop;
    return m.withdraw();
  }

  async function run(em: EntityManager, l: Loaded, command: GrantCommand): Promise<Applied> {
    const m = moves(em, l);
    switch (command.action) {
      case 'grant':
      case 'accountLinked':
        return grant(em, l, command, m);
      case 'revoke': {
        const reason = command.reason ?? inferredRevokeReason(l.facts);
        return l.grant.revoked_at ? m.recordReason(reason) : m.revoke(reason);
      }
      case 'update':
      case 'cycle':
        return change(em, l, command, m);
      case 'accountUnlinked':
        return unlinked(l, m);
      case 'recheck':
        return recheck(em, l, m);
    }
  }

  return {
    async applyGrantCommand(input: { grantId: string; command: GrantCommand; benefitType?: string }): Promise<GrantCommandResult> {
      let tx: EntityManager | null = null;
      const { row, changed, expiresAt, recheckInMs } =
        (await applyUnlocked(input)) ??
        (await deps.dataSource.transaction((em): Promise<Applied> => {
          tx = em;
          return load(em, input.grantId).then((l) => run(em, l, input.command));
        }));
      if (changed && tx && wroteEvents.has(tx)) await kickOrganizationWebhooks(deps, row.organization_id);
      return { ...resultOf(row, changed, expiresAt), ...(recheckInMs !== undefined ? { recheckInMs } : {}) };
    },

    async markGrantExpired(input: { grantId: string }): Promise<void> {
      const wrote = await deps.dataSource.transaction(async (em) => {
        const l = await load(em, input.grantId);
        await grants.recordEvent(em, l.grant, 'expired', {});
        await emit(em, l, l.grant, 'benefit_grant.updated', l.grant.properties);
        return wroteEvents.has(em);
      });
      const grant = wrote ? await grants.findById(input.grantId) : null;
      if (grant) await kickOrganizationWebhooks(deps, grant.organization_id);
    },
  };
}

/** Whether a grant command would write a webhook event (see emit): only benefit_grant.* and customer.state_changed. */
function writesEvents(listened: Set<string>): boolean {
  for (const type of listened) if (type.startsWith('benefit_grant.') || type === 'customer.state_changed') return true;
  return false;
}

function resultOf(row: GrantRow, changed: boolean, expiresAt: string | null): GrantCommandResult {
  const status = row.granted_at ? 'granted' : row.revoked_at ? 'revoked' : row.error ? 'failed' : 'pending';
  return {
    status,
    grantedAt: row.granted_at ? new Date(row.granted_at).toISOString() : null,
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
    expiresAt: status === 'granted' ? expiresAt : null,
    error: row.error ? { message: row.error.message, type: row.error.type } : null,
    changed,
  };
}

/**
 * A cycle sent without a key (commands from before keys existed) is named by the activity that
 * applies it: its retries share the id, so a retried cycle is still applied once.
 */
function attemptKey(): string | undefined {
  try {
    const info = Context.current().info;
    return info.workflowExecution ? `activity:${info.workflowExecution.runId}:${info.activityId}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The running activity's cancellation signal, joined for a local attempt by the worker's shutdown
 * signal (see EngineDeps.stopping); undefined when called outside an activity (tests).
 */
function activityCancellation(stopping: AbortSignal | undefined): AbortSignal | undefined {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return undefined;
  }
  return ctx.info.isLocal && stopping ? AbortSignal.any([ctx.cancellationSignal, stopping]) : ctx.cancellationSignal;
}
