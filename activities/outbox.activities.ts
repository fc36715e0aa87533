// The outbox relay's pass, the safety net under the worker's dispatcher
// (engine/pending-work-dispatcher.ts): dispatches engine commands and starts workflows still not
// started well after their commit (no dispatcher running, or Temporal refusing its starts): an
// order's grants, a subscription's workflow, a deleted benefit's revocation, a webhook endpoint's
// delivery. Rows are claimed with the dispatcher's leases, so the two never work on one row at once. Every dispatch is idempotent, so a race with the API is harmless.
// A row that fails is logged and stepped past: one bad row never stops the pass.
import { Context } from '@temporalio/activity';
import { EngineCommandsRepository } from '../db/repositories/engine-commands.repository';
import { UnstartedWorkRepository } from '../db/repositories/unstarted-work.repository';
import { dispatchRecorded } from '../engine/engine-commands';
import type { EngineDeps } from './engine-deps';
import { fanOuts } from '../engine/fan-outs';
import { dispatchOrder } from '../engine/grant-scope';

const BATCH = 500;
const SMALL_BATCH = 100;
/** From this many failed attempts on, a command is reported as stuck at each further attempt. */
const STUCK_ATTEMPTS = 5;
const PRUNE_AFTER_DAYS = 7;
/** Long enough for a pass over its batch; a row that failed is tried again after it. */
const RELAY_LEASE_SECONDS = 60;

export interface RelayPassInput {
  olderThanSeconds: number;
}

export function outboxActivities(deps: EngineDeps) {
  const commands = new EngineCommandsRepository(deps.dataSource);
  const scans = new UnstartedWorkRepository(deps.dataSource);

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
      const queue = deps.engine.taskQueue;
      const cmd = await each('engine command', await commands.claimDue(queue, BATCH, RELAY_LEASE_SECONDS, older), async (row) => {
        if (await dispatchRecorded(deps, row, { backoff: true })) return true;
        if (row.attempts + 1 >= STUCK_ATTEMPTS) {
          deps.logger.error(
            { commandId: row.id, kind: row.kind, attempts: row.attempts + 1 },
            'outbox relay: engine command keeps failing',
          );
        }
        return 'failed';
      });
      const subs = await each(
        'subscription',
        await scans.claimUnstartedSubscriptions(queue, BATCH, RELAY_LEASE_SECONDS, older),
        async (s) => {
          await deps.engine.startSubscription(s.id);
          await scans.markSubscriptionsStarted([s.id]);
          return true;
        },
      );
      const ords = await each('order', await scans.claimUnstartedOrders(queue, BATCH, RELAY_LEASE_SECONDS, older), async (o) => {
        await dispatchOrder(deps, o);
        await scans.markOrdersStarted([o.id]);
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
