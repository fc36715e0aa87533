// The worker's dispatcher: starts what the API committed. The API answers once its change has
// committed (an order, a subscription, an engine command), with a wake-up sent at that commit
// (LISTEN/NOTIFY, db/repositories/engine-work-notifications.ts); this dispatcher, in every worker
// process, claims the committed rows in batches and starts their workflows. A burst of purchases
// therefore queues in PostgreSQL, not in requests, and the starts come from the worker's own
// connection, which lets Temporal hand a new grant straight to this worker (eager start).
// Claims are leases: a row whose start failed is claimed again once its lease runs out, by this
// or another worker, and the outbox relay covers rows no dispatcher took.
import { EngineCommandsRepository } from '../db/repositories/engine-commands.repository';
import { ENGINE_WORK_CHANNEL, parseEngineWork, type EngineWorkKind } from '../db/repositories/engine-work-notifications';
import { UnstartedWorkRepository } from '../db/repositories/unstarted-work.repository';
import { runBounded } from '../lib/bounded';
import { drainLoop, type DrainLoop } from '../lib/drain-loop';
import type { Logger } from '../lib/logger';
import { listen, pgPoolOf, type PgListener } from '../db/pg-listener';
import { commandTarget, dispatchRecorded, kickOrganizationWebhooks } from './engine-commands';
import { dispatchOrder, type ScopeDeps } from './grant-scope';

export interface DispatcherOptions {
  /** Rows claimed per kind and round. */
  batch?: number;
  /** Rows dispatched at once (each order starts one workflow per benefit). */
  concurrency?: number;
  /** How long a claim keeps other dispatchers off a row (and the wait before a failed row is retried). */
  leaseSeconds?: number;
  /** Looks for work no wake-up announced (leases run out, wake-ups lost while disconnected). */
  pollMs?: number;
}

const ROW_KINDS: EngineWorkKind[] = ['order', 'subscription', 'command'];

export class PendingWorkDispatcher {
  private readonly commands: EngineCommandsRepository;
  private readonly unstarted: UnstartedWorkRepository;
  private readonly opts: Required<DispatcherOptions>;
  /** Kinds of rows announced since the last claim, and organizations whose webhooks may wait. */
  private kinds = new Set<EngineWorkKind>(ROW_KINDS);
  private webhookOrgs = new Set<string>();
  private loop?: DrainLoop;
  private listener?: PgListener;

  constructor(
    private readonly deps: ScopeDeps & { logger: Logger },
    opts: DispatcherOptions = {},
  ) {
    this.commands = new EngineCommandsRepository(deps.dataSource);
    this.unstarted = new UnstartedWorkRepository(deps.dataSource);
    this.opts = { batch: 64, concurrency: 32, leaseSeconds: 30, pollMs: 2_000, ...opts };
  }

  start(): void {
    const onError = (err: unknown) => this.deps.logger.warn({ err: errorText(err) }, 'dispatcher: round failed; it retries');
    const everything = () => ROW_KINDS.forEach((k) => this.kinds.add(k));
    this.loop = drainLoop(() => this.drain(), { pollMs: this.opts.pollMs, onError, onPoll: everything });
    this.listener = listen(pgPoolOf(this.deps.dataSource), {
      channel: ENGINE_WORK_CHANNEL,
      onNotify: (payload) => {
        const work = parseEngineWork(payload);
        if (!work) everything();
        else {
          if (work.kind !== 'webhooks') this.kinds.add(work.kind);
          this.webhookOrgs.add(work.organizationId);
        }
        this.loop?.wake();
      },
      // Whatever was committed while nobody listened is claimed now.
      onConnected: () => {
        everything();
        this.loop?.wake();
      },
      onError: (err) => this.deps.logger.warn({ err: errorText(err) }, 'dispatcher: lost its PostgreSQL listener; reconnecting'),
    });
  }

  /** Stops listening and waits for the round in progress (its claims are dispatched or lapse). */
  async stop(): Promise<void> {
    await this.listener?.close();
    await this.loop?.stop();
  }

  /** Claims and dispatches until no claimed batch came back full. */
  private async drain(): Promise<void> {
    for (;;) {
      const kinds = this.kinds;
      this.kinds = new Set();
      const orgs = [...this.webhookOrgs];
      this.webhookOrgs.clear();
      const { batch, leaseSeconds } = this.opts;
      const queue = this.deps.engine.taskQueue;
      const [commands, subscriptions, orders] = await Promise.all([
        kinds.has('command') ? this.commands.claimDue(queue, batch, leaseSeconds) : [],
        kinds.has('subscription') ? this.unstarted.claimUnstartedSubscriptions(queue, batch, leaseSeconds) : [],
        kinds.has('order') ? this.unstarted.claimUnstartedOrders(queue, batch, leaseSeconds) : [],
      ]);
      const startedOrders: string[] = [];
      const startedSubscriptions: string[] = [];
      const attempt = (what: string, id: string, fn: () => Promise<void>) => async () => {
        try {
          await fn();
        } catch (err) {
          this.deps.logger.warn({ [what]: id, err: errorText(err) }, `dispatcher: ${what} not started; retried when its lease ends`);
        }
      };
      await runBounded(
        [
          // One lane per target, in the order recorded (claims come oldest first).
          ...[...groupBy(commands, commandTarget).values()].map((rows) => async () => {
            for (const c of rows) await dispatchRecorded(this.deps, c, { backoff: true });
          }),
          ...subscriptions.map((s) =>
            attempt('subscriptionId', s.id, async () => {
              await this.deps.engine.startSubscription(s.id);
              startedSubscriptions.push(s.id);
            }),
          ),
          ...orders.map((o) =>
            attempt('orderId', o.id, async () => {
              await dispatchOrder(this.deps, o);
              startedOrders.push(o.id);
            }),
          ),
          ...orgs.map((org) => attempt('organizationId', org, () => kickOrganizationWebhooks(this.deps, org))),
        ],
        this.opts.concurrency,
      );
      await Promise.all([this.unstarted.markOrdersStarted(startedOrders), this.unstarted.markSubscriptionsStarted(startedSubscriptions)]);
      const full = [
        ['command', commands],
        ['subscription', subscriptions],
        ['order', orders],
      ].filter(([, rows]) => (rows as unknown[]).length === batch);
      if (full.length === 0) return;
      for (const [kind] of full) this.kinds.add(kind as EngineWorkKind);
    }
  }
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
