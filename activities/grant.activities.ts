// Applies one command to one grant: loads the grant, its benefit and customer, runs the type's
// strategy, writes the new state, the audit event and the webhook outbox in one transaction.
import { Context } from '@temporalio/activity';
import type { EntityManager } from 'typeorm';
import { serializeGrant } from '../api/serializers/grant.serializer';
import { isSupportedBenefitType } from '../benefits/benefit-types';
import type { BenefitStrategy, GrantContext, GrantOutcome } from '../benefits/strategy';
import { GrantRow, GrantsRepository } from '../db/repositories/grants.repository';
import { WebhookEventsRepository } from '../db/repositories/webhook-events.repository';
import { ScopesRepository } from '../db/repositories/scopes.repository';
import { mayGrantAgain, type GrantCommand, type RevokeReason } from '../workflows/definitions';
import type { GrantCommandResult } from './activity-types';
import type { EngineDeps } from './engine-deps';
import { ParkedError, translateStrategyError } from './failures';
import { deadScopeReason, inferredRevokeReason } from './scope-liveness';
import { enqueueCustomerState, kickOrganizationWebhooks } from './webhook-outbox';

interface Loaded {
  grant: GrantRow;
  benefit: any;
  customer: any;
  strategy: BenefitStrategy<any>;
  em: EntityManager;
}

export function grantActivities(deps: EngineDeps) {
  const grants = new GrantsRepository(deps.dataSource);
  const outbox = new WebhookEventsRepository(deps.dataSource);
  const scopes = new ScopesRepository(deps.dataSource);

  async function load(em: EntityManager, grantId: string): Promise<Loaded> {
    const grant = await grants.lock(em, grantId);
    if (!grant) throw new Error(`grant ${grantId} not found`);
    const [benefit] = await em.query(`SELECT * FROM benefits WHERE id = $1`, [grant.benefit_id]);
    const [customer] = await em.query(`SELECT * FROM customers WHERE id = $1`, [grant.customer_id]);
    const type: string = benefit.type;
    if (!isSupportedBenefitType(type)) throw new Error(`no strategy for benefit type ${type}`);
    return { grant, benefit, customer, strategy: deps.registry[type], em };
  }

  function context(l: Loaded, accountId?: string | null): GrantContext {
    return {
      benefit: { id: l.benefit.id, organizationId: l.benefit.organization_id, type: l.benefit.type, description: l.benefit.description, properties: l.benefit.properties },
      customer: { id: l.customer.id, email: l.customer.email, name: l.customer.name, externalId: l.customer.external_id },
      grant: {
        id: l.grant.id, customerId: l.grant.customer_id, benefitId: l.grant.benefit_id, subscriptionId: l.grant.subscription_id,
        orderId: l.grant.order_id, properties: l.grant.properties ?? {}, grantedAt: l.grant.granted_at,
      },
      now: new Date(),
      accountId: accountId ?? (l.grant.properties?.account_id as string | undefined) ?? null,
      tx: l.em,
      signal: activityCancellation(deps.stopping),
    };
  }

  async function emit(em: EntityManager, l: Loaded, row: GrantRow, type: string, previous?: Record<string, unknown>) {
    const data = { ...serializeGrant(row, l.benefit, l.customer), previous_properties: previous ?? null };
    await outbox.enqueue(em, row.organization_id, type, data);
    await enqueueCustomerState(em, row.organization_id, row.customer_id);
  }

  async function run(em: EntityManager, l: Loaded, command: GrantCommand): Promise<{ row: GrantRow; changed: boolean; expiresAt: string | null }> {
    const { grant, strategy } = l;
    // Commands on one customer's shared access to a benefit run one at a time: two sources revoked
    // together would otherwise each see the other still granted and both keep the access.
    if (strategy.sharedAccess) {
      await grants.lockSharedAccess(em, grant.customer_id, grant.benefit_id);
    }
    // A repeated command re-arms only an expiry still ahead (one that passed was already marked).
    const storedExpiry = (grant.properties?.expires_at as string | undefined) ?? null;
    const noop = { row: grant, changed: false, expiresAt: storedExpiry && Date.parse(storedExpiry) > Date.now() ? storedExpiry : null };
    const park = async (parked: ParkedError) => {
      const row = await grants.markFailed(em, grant.id, parked);
      await grants.recordEvent(em, row, 'failed', { ...parked });
      await emit(em, l, row, 'benefit_grant.updated', grant.properties);
      return { row, changed: true, expiresAt: null };
    };
    const attempt = async (fn: () => Promise<GrantOutcome>): Promise<GrantOutcome | ParkedError> => {
      try {
        return await fn();
      } catch (err) {
        return translateStrategyError(err);
      }
    };
    const revoke = async (reason: RevokeReason) => {
      const wasGranted = grant.granted_at !== null;
      let properties = grant.properties ?? {};
      if (wasGranted) {
        const stillHeldElsewhere = strategy.sharedAccess && (await grants.heldElsewhere(em, grant));
        const out = await attempt(() => strategy.revoke({ ...context(l), stillHeldElsewhere }));
        if ('properties' in out) properties = out.properties;
      }
      const row = await grants.markRevoked(em, grant.id, properties, reason);
      await grants.recordEvent(em, row, 'revoked', { was_granted: wasGranted, reason });
      await emit(em, l, row, 'benefit_grant.revoked', grant.properties);
      return { row, changed: true, expiresAt: null };
    };
    // An already revoked grant keeps the strongest reason it learns: a final one replaces one that
    // would let it be granted again (its benefit left the product, then its key was revoked).
    const recordReason = async (reason: RevokeReason) => {
      if (!mayGrantAgain(grant.revoke_reason) || mayGrantAgain(reason)) return noop;
      const row = await grants.setRevokeReason(em, grant.id, reason);
      await grants.recordEvent(em, row, 'revoke_reason', { reason, previous: grant.revoke_reason });
      return { ...noop, row };
    };
    switch (command.action) {
      case 'grant':
      case 'accountLinked': {
        if (grant.granted_at) return noop;
        // Linking an account resumes a grant that waits on the customer; it never undoes a revoke.
        if (grant.revoked_at && command.action === 'accountLinked') return noop;
        const reinstate = command.action === 'grant' && command.reinstate === true;
        if (grant.revoked_at && !mayGrantAgain(grant.revoke_reason, reinstate)) return noop;
        // Only a live scope grants, whoever sent the command (fan-out, relay, retry, portal).
        const dead = deadScopeReason(await scopes.facts(em, grant.id));
        if (dead) return grant.revoked_at ? recordReason(dead) : revoke(dead);
        const accountId = command.action === 'accountLinked' ? command.accountId : undefined;
        const out = await attempt(() => strategy.grant(context(l, accountId)));
        if (!('properties' in out)) return park(out);
        const outcome = out;
        const properties = { ...outcome.properties, ...(accountId ? { account_id: accountId } : {}) };
        const row = await grants.markGranted(em, grant.id, properties);
        const first = !grant.revoked_at && !grant.error;
        await grants.recordEvent(em, row, 'granted', { properties });
        await emit(em, l, row, first ? 'benefit_grant.created' : 'benefit_grant.updated', grant.properties);
        return { row, changed: true, expiresAt: outcome.expiresAt ?? null };
      }
      case 'revoke': {
        const reason = command.reason ?? inferredRevokeReason(await scopes.facts(em, grant.id));
        return grant.revoked_at ? recordReason(reason) : revoke(reason);
      }
      case 'update':
      case 'cycle': {
        if (!grant.granted_at) return noop;
        const out = await attempt(() =>
          command.action === 'update' ? strategy.update(context(l), command.previousProperties) : strategy.cycle(context(l)),
        );
        if (!('properties' in out)) return park(out);
        const row = await grants.updateProperties(em, grant.id, out.properties);
        await grants.recordEvent(em, row, command.action === 'update' ? 'updated' : 'cycled', {});
        await emit(em, l, row, command.action === 'update' ? 'benefit_grant.updated' : 'benefit_grant.cycled', grant.properties);
        return { row, changed: true, expiresAt: out.expiresAt ?? null };
      }
    }
  }

  return {
    async applyGrantCommand(input: { grantId: string; command: GrantCommand }): Promise<GrantCommandResult> {
      const { row, changed, expiresAt } = await deps.dataSource.transaction((em) =>
        load(em, input.grantId).then((l) => run(em, l, input.command)),
      );
      if (changed) await kickOrganizationWebhooks(deps, row.organization_id);
      return resultOf(row, changed, expiresAt);
    },

    async markGrantExpired(input: { grantId: string }): Promise<void> {
      await deps.dataSource.transaction(async (em) => {
        const l = await load(em, input.grantId);
        await grants.recordEvent(em, l.grant, 'expired', {});
        await emit(em, l, l.grant, 'benefit_grant.updated', l.grant.properties);
      });
      const grant = await grants.findById(input.grantId);
      if (grant) await kickOrganizationWebhooks(deps, grant.organization_id);
    },
  };
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
