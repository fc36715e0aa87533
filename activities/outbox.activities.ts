// The outbox relay's pass: dispatches engine commands the API could not (Temporal unreachable
// right after the commit), and starts workflows whose start was lost between a row's commit and
// the start (an order's grants, a subscription's workflow, a deleted benefit's revocation, a
// webhook endpoint's delivery). Every dispatch is idempotent, so a race with the API is harmless.
// A row that fails is logged and stepped past: one bad row never stops the pass.
import { Context } from '@temporalio/activity';
import { EngineCommandsRepository } from '../db/repositories/engine-commands.repository';
import { OrdersRepository } from '../db/repositories/orders.repository';
import { UnstartedWorkRepository } from '../db/repositories/unstarted-work.repository';
import { SubscriptionsRepository } from '../db/repositories/subscriptions.repository';
import { dispatchRecorded } from '../engine/engine-commands';
import type { EngineDeps } from './engine-deps';
import { fanOuts } from '../engine/fan-outs';
import { dispatchOrder } from '../engine/grant-scope';

const BATCH = 500;
const SMALL_BATCH = 100;
/** From this many failed attempts on, a command is reported as stuck at each further attempt. */
const STUCK_ATTEMPTS = 5;
const PRUNE_AFTER_DAYS = 7;

export interface RelayPassInput {
  olderThanSeconds: number;
}

export function outboxActivities(deps: EngineDeps) {
  const commands = new EngineCommandsRepository(deps.dataSource);
  const scans = new UnstartedWorkRepository(deps.dataSource);
  const orders = new OrdersRepository(deps.dataSource);
  const subscriptions = new SubscriptionsRepository(deps.dataSource);

  /** Runs `fn` on each row; a row that throws is logged and counted, the others go on. */
  async function each<T extends { id: string } | string>(what: string, rows: T[], fn: (row: T) => Promise<boolean | 'failed'>) {
    let done = 0;
    let failed = 0;
    for (const row of rows) {
      heartbeat();
      try {
        const outcome = await fn(row);
        if (outcome === 'failed') failed++;
        else if (outcome) done++;
      } catch (err) {
        failed++;
        const id = typeof row === 'string' ? row : row.id;
        deps.logger.error(
          { what, id, err: err instanceof Error ? err.message : String(err) },
          'outbox relay: row failed, stepping past it',
        );
      }
    }
    return { done, failed };
  }

  return {
    async startMissingWorkflows(input: RelayPassInput): Promise<number> {
      const older = input.olderThanSeconds;
      const cmd = await each('engine command', await commands.due(older, BATCH), async (row) => {
        if (await dispatchRecorded(deps, row, { backoff: true })) return true;
        if (row.attempts + 1 >= STUCK_ATTEMPTS) {
          deps.logger.error(
            { commandId: row.id, kind: row.kind, attempts: row.attempts + 1 },
            'outbox relay: engine command keeps failing',
          );
        }
        return 'failed';
      });
      const subs = await each('subscription', await scans.unstartedSubscriptions(older, BATCH), async (s) => {
        await deps.engine.startSubscription(s.id);
        await subscriptions.markWorkflowStarted(s.id);
        return true;
      });
      const ords = await each('order', await scans.unstartedOrders(older, BATCH), async (o) => {
        await dispatchOrder(deps, o);
        await orders.markWorkflowStarted(o.id);
        return true;
      });
      // A deleted benefit whose revocation fan-out never started still has live grants. Live
      // grants alone do not say so: a fan-out that ran has signalled them and they revoke at the
      // engine's pace (minutes for 10,000), so only a benefit with no fan-out at all is lost.
      // (Deletions now record their fan-out as an engine command; this covers older ones.)
      const benefits = await each('deleted benefit', await scans.deletedBenefitsWithLiveGrants(older, SMALL_BATCH), async (b) => {
        const fanOut = fanOuts.benefitDeleted(b.id);
        if (await deps.engine.workflowExists(fanOut.workflowId)) return false;
        await deps.engine.startFanOut(fanOut);
        return true;
      });
      // Webhook events whose delivery kick was lost (Temporal unreachable right after the commit).
      const hooks = await each('webhook endpoint', await scans.endpointsWithStaleEvents(older, 1000), async (endpointId) => {
        await deps.engine.kickWebhookEndpoint(endpointId);
        return true;
      });
      await commands.prune(PRUNE_AFTER_DAYS, 1000).catch((err) => deps.logger.warn({ err: String(err) }, 'outbox relay: prune failed'));
      const started = cmd.done + subs.done + ords.done + benefits.done;
      const failed = cmd.failed + subs.failed + ords.failed + benefits.failed + hooks.failed;
      if (started > 0 || failed > 0) {
        deps.logger.warn(
          { commands: cmd, subscriptions: subs, orders: ords, deletedBenefits: benefits, webhookEndpoints: hooks },
          'outbox relay: dispatched what the API could not',
        );
      }
      return started;
    },
  };
}

/** Tells Temporal the pass is alive (see the relay's heartbeat timeout); a no-op outside an activity (tests). */
function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // not running as an activity
  }
}
