// What API writes set in motion in the engine. A change records its engine intents as commands in
// its own transaction (db/repositories/engine-commands.repository.ts); once it has committed, the
// API dispatches them at once, best effort: when Temporal is unreachable the request still
// succeeds and the outbox relay dispatches them later. Nothing here throws after a commit.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { EngineCommandsRepository, type RecordedCommand } from '../../db/repositories/engine-commands.repository';
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
import { dispatchRecorded, kickOrganizationWebhooks, type DispatchOptions, type EngineCommand } from '../../engine/engine-commands';
import { fanOuts } from '../../engine/fan-outs';
import type { Logger } from '../../lib/logger';

export type { RecordedCommand };

/**
 * How long a request waits for its engine work after the commit. Past it the request answers and
 * the work goes on (or fails and is retried by the outbox relay): an unreachable or slow engine
 * never holds a committed change's response.
 */
export const AFTER_COMMIT_BUDGET_MS = 5_000;

/** Waits for `work` at most `ms`; its outcome is its own business (it must not reject). */
export async function settleWithin(work: Promise<void>, ms = AFTER_COMMIT_BUDGET_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work, budget]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Engine work after a commit: started at once, waited for at most the budget, and a failure is
 * logged (the relay does it later), never thrown: the change is committed, so the request succeeds.
 */
export async function afterCommit(logger: Logger, what: string, ids: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const work = fn().catch((err) => {
    logger.warn({ ...ids, err: err instanceof Error ? err.message : String(err) }, `${what}; the outbox relay will`);
  });
  await settleWithin(work);
}

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

  commandGrant(q: Queryable, grant: GrantWorkflowInput, command: GrantCommand): Promise<RecordedCommand> {
    return this.record(q, grant.organizationId, randomUUID(), { kind: 'commandGrant', payload: { grant, command } });
  }

  // ---- After the commit: best effort, never throws ----

  /**
   * Dispatches recorded commands now; what fails stays recorded for the outbox relay. Waits at
   * most AFTER_COMMIT_BUDGET_MS unless `wait` (the caller then sets its own deadline).
   */
  async dispatch(commands: RecordedCommand[], opts: DispatchOptions = {}): Promise<void> {
    if (commands.length === 0) return;
    const deps = { dataSource: this.ds, engine: this.engine, logger: this.logger };
    const work = (async () => {
      for (const row of commands) await dispatchRecorded(deps, row, opts);
    })();
    await (opts.wait ? work : settleWithin(work));
  }

  /** Signals each endpoint with undelivered events; the relay kicks any this misses. */
  async kickWebhooks(organizationId: string): Promise<void> {
    await afterCommit(this.logger, 'webhook delivery not kicked', { organizationId }, () =>
      kickOrganizationWebhooks({ dataSource: this.ds, engine: this.engine }, organizationId),
    );
  }

  /** Queues a copy of a past event for its endpoint (the route checked it is the org's). */
  async redeliver(organizationId: string, eventId: string): Promise<void> {
    const endpointId = await this.events.requeue(organizationId, eventId);
    if (!endpointId) return;
    await afterCommit(this.logger, 'webhook delivery not kicked', { endpointId }, () => this.engine.kickWebhookEndpoint(endpointId));
  }

  private record(q: Queryable, organizationId: string, id: string, c: EngineCommand): Promise<RecordedCommand> {
    return this.commands.insert(q, { id, organizationId, kind: c.kind, payload: c.payload as Record<string, unknown> });
  }

  /** A fan-out's workflow id carries its command's id: a repeated dispatch starts no second one. */
  private recordFanOut(q: Queryable, organizationId: string, fanOut: (commandId: string) => FanOutStart): Promise<RecordedCommand> {
    const id = randomUUID();
    return this.record(q, organizationId, id, { kind: 'fanOut', payload: fanOut(id) });
  }
}
