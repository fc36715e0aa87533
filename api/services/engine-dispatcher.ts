// What API writes set in motion in the engine. A change records its engine intents as commands in
// its own transaction (db/repositories/engine-commands.repository.ts); their insert wakes the
// worker's dispatcher (engine/pending-work-dispatcher.ts) when the transaction commits, and the
// request answers without waiting for Temporal. Only a caller that must answer with the outcome
// (a license key PATCHed to revoked) dispatches its own command and waits for it.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { EngineCommandsRepository, type RecordedCommand } from '../../db/repositories/engine-commands.repository';
import { notifyEngineWork } from '../../db/repositories/engine-work-notifications';
import type { Queryable } from '../../db/repositories/grants.repository';
import { WebhookEventsRepository } from '../../db/repositories/webhook-events.repository';
import type {
  EngineClient,
  FanOutStart,
  GrantCommand,
  GrantScope,
  GrantWorkflowInput,
  SubscriptionEvent,
} from '../../engine/engine-client';
import { dispatchRecorded, type EngineCommand } from '../../engine/engine-commands';
import { fanOuts } from '../../engine/fan-outs';
import type { Logger } from '../../lib/logger';

export type { RecordedCommand };

/**
 * How long the worker's dispatcher leaves a command alone that the API dispatches itself and
 * waits for; past it, a command still undispatched (Temporal unreachable) is the dispatcher's.
 */
export const API_DISPATCH_LEASE_SECONDS = 10;

export class EngineDispatcher {
  private readonly events: WebhookEventsRepository;
  private readonly commands: EngineCommandsRepository;

  constructor(
    private readonly engine: EngineClient,
    private readonly ds: DataSource,
    private readonly logger: Logger,
  ) {
    this.events = new WebhookEventsRepository(ds);
    this.commands = new EngineCommandsRepository(ds);
  }

  /** The task queue whose workers start what this API records. */
  get taskQueue(): string {
    return this.engine.taskQueue;
  }

  // ---- Recorded in the change's transaction (q), dispatched after its commit ----

  /** Reconciles every order and subscription of the product (a fan-out per change). */
  productBenefitsChanged(q: Queryable, organizationId: string, productId: string): Promise<RecordedCommand> {
    return this.recordFanOut(q, organizationId, (id) => fanOuts.productBenefitsChanged(productId, id));
  }

  benefitUpdated(
    q: Queryable,
    organizationId: string,
    benefitId: string,
    previousProperties: Record<string, unknown>,
  ): Promise<RecordedCommand> {
    return this.recordFanOut(q, organizationId, (id) => fanOuts.benefitUpdated(benefitId, id, previousProperties));
  }

  benefitDeleted(q: Queryable, organizationId: string, benefitId: string): Promise<RecordedCommand> {
    return this.recordFanOut(q, organizationId, () => fanOuts.benefitDeleted(benefitId));
  }

  /** A meter's filter or aggregation changed: its figures are recomputed from the events. */
  meterRedefined(q: Queryable, organizationId: string, meterId: string, version: number): Promise<RecordedCommand> {
    return this.recordFanOut(q, organizationId, () => fanOuts.meterRecompute(meterId, version));
  }

  /** Revokes every grant of the customer; their subscriptions' workflows end (revokeNow). */
  async customerDeleted(
    q: Queryable,
    organizationId: string,
    customerId: string,
    endedSubscriptionIds: string[],
  ): Promise<RecordedCommand[]> {
    const out: RecordedCommand[] = [];
    for (const subscriptionId of endedSubscriptionIds)
      out.push(await this.signalSubscription(q, organizationId, subscriptionId, { kind: 'revokeNow' }));
    out.push(await this.recordFanOut(q, organizationId, () => fanOuts.customerDeleted(customerId)));
    return out;
  }

  signalSubscription(q: Queryable, organizationId: string, subscriptionId: string, event: SubscriptionEvent): Promise<RecordedCommand> {
    return this.record(q, organizationId, randomUUID(), { kind: 'signalSubscription', payload: { subscriptionId, event } });
  }

  /** Revokes every live grant of an order or subscription (refund with revoke_benefits). */
  revokeScope(q: Queryable, scope: GrantScope): Promise<RecordedCommand> {
    return this.record(q, scope.organizationId, randomUUID(), { kind: 'revokeScope', payload: { scope } });
  }

  /** `awaited`: the caller dispatches it with dispatchAndWait after the commit. */
  commandGrant(q: Queryable, grant: GrantWorkflowInput, command: GrantCommand, opts: { awaited?: boolean } = {}): Promise<RecordedCommand> {
    const lease = opts.awaited ? API_DISPATCH_LEASE_SECONDS : 0;
    return this.record(q, grant.organizationId, randomUUID(), { kind: 'commandGrant', payload: { grant, command } }, lease);
  }

  // ---- After the commit ----

  /**
   * Dispatches commands recorded as `awaited` and waits until each is applied (the caller sets
   * its deadline). A failure stays recorded for the worker's dispatcher; never throws.
   */
  async dispatchAndWait(commands: RecordedCommand[]): Promise<void> {
    const deps = { dataSource: this.ds, engine: this.engine, logger: this.logger };
    for (const row of commands) await dispatchRecorded(deps, row, { wait: true });
  }

  /** Wakes the worker's dispatcher to deliver the organization's new webhook events (best effort: the relay delivers stale ones). */
  async kickWebhooks(organizationId: string): Promise<void> {
    await notifyEngineWork(this.ds, 'webhooks', organizationId).catch((err) =>
      this.logger.warn(
        { organizationId, err: err instanceof Error ? err.message : String(err) },
        'webhook delivery not kicked; the outbox relay will',
      ),
    );
  }

  /** Queues a copy of a past event for its endpoint (the route checked it is the org's). */
  async redeliver(organizationId: string, eventId: string): Promise<void> {
    const endpointId = await this.events.requeue(organizationId, eventId);
    if (endpointId) await this.kickWebhooks(organizationId);
  }

  private record(q: Queryable, organizationId: string, id: string, c: EngineCommand, leaseSeconds = 0): Promise<RecordedCommand> {
    const command = { id, organizationId, kind: c.kind, payload: c.payload as Record<string, unknown>, taskQueue: this.taskQueue };
    return this.commands.insert(q, command, leaseSeconds);
  }

  /** A fan-out's workflow id carries its command's id: a repeated dispatch starts no second one. */
  private recordFanOut(q: Queryable, organizationId: string, fanOut: (commandId: string) => FanOutStart): Promise<RecordedCommand> {
    const id = randomUUID();
    return this.record(q, organizationId, id, { kind: 'fanOut', payload: fanOut(id) });
  }
}
