// Finds orders and subscriptions whose workflow start was lost (a crash between the row's commit
// and the start: an order's grant workflows, a subscription's workflow) and starts them. Starts
// are idempotent, so a race with the API is harmless.
import { workflowIds } from '../workflows/definitions';
import type { EngineDeps } from './engine-deps';
import { grantScope, ScopeDeps } from './grant-scope';

export function outboxActivities(deps: EngineDeps) {
  const ds = deps.dataSource;
  return {
    async startMissingWorkflows(input: { olderThanSeconds: number }): Promise<number> {
      const subs: { id: string }[] = await ds.query(
        `SELECT id FROM subscriptions WHERE workflow_started_at IS NULL AND created_at < now() - make_interval(secs => $1) LIMIT 500`,
        [input.olderThanSeconds],
      );
      for (const s of subs) {
        await deps.engine.startSubscription(s.id);
        await ds.query(`UPDATE subscriptions SET workflow_started_at = now() WHERE id = $1`, [s.id]);
      }
      const orders: any[] = await ds.query(
        `SELECT id, organization_id, customer_id, product_id, subscription_id, billing_reason FROM orders
          WHERE workflow_started_at IS NULL AND created_at < now() - make_interval(secs => $1) LIMIT 500`,
        [input.olderThanSeconds],
      );
      for (const o of orders) {
        await dispatchOrder(deps, o);
        await ds.query(`UPDATE orders SET workflow_started_at = now() WHERE id = $1`, [o.id]);
      }
      // A deleted benefit whose revocation fan-out never started still has live grants. Live
      // grants alone do not say so: a fan-out that ran has signalled them and they revoke at the
      // engine's pace (minutes for 10,000), so only a benefit with no fan-out at all is lost.
      const candidates: { id: string }[] = await ds.query(
        `SELECT b.id FROM benefits b
          WHERE b.deleted_at IS NOT NULL AND b.deleted_at < now() - make_interval(secs => $1)
            AND EXISTS (SELECT 1 FROM benefit_grants g WHERE g.benefit_id = b.id AND g.revoked_at IS NULL)
          LIMIT 100`,
        [input.olderThanSeconds],
      );
      const benefits: { id: string }[] = [];
      for (const b of candidates) {
        if (await deps.engine.workflowExists(workflowIds.benefitDeleted(b.id))) continue;
        await deps.engine.startFanOut('grantFanOutWorkflow', workflowIds.benefitDeleted(b.id), { filter: { benefitId: b.id }, command: { action: 'revoke' } });
        benefits.push(b);
      }
      // Webhook events whose delivery kick was lost (Temporal unreachable right after the commit).
      const endpoints: { endpoint_id: string }[] = await ds.query(
        `SELECT DISTINCT endpoint_id FROM webhook_events
          WHERE succeeded IS NULL AND NOT skipped AND created_at < now() - make_interval(secs => $1) LIMIT 100`,
        [input.olderThanSeconds],
      );
      for (const e of endpoints) await deps.engine.kickWebhookEndpoint(e.endpoint_id);
      const total = subs.length + orders.length + benefits.length;
      if (total > 0) deps.logger.warn({ subscriptions: subs.length, orders: orders.length, deletedBenefits: benefits.length }, 'started workflows whose start was lost');
      return total;
    },
  };
}

/**
 * What an order sets in motion: a renewal signals its subscription, a purchase grants its scope
 * (grant rows, then one grant workflow each, started with the grant command). Purchases used to
 * start an order workflow that did the same in an activity; going direct saves a workflow per
 * purchase on the Temporal server, the engine's bottleneck. orderWorkflow stays registered for
 * orders recorded before, still running. Safe to repeat (see grantScope).
 */
export async function dispatchOrder(
  deps: ScopeDeps,
  o: { id: string; organization_id: string; customer_id: string; product_id: string | null; subscription_id: string | null; billing_reason: string },
): Promise<void> {
  if (o.subscription_id && o.billing_reason === 'subscription_cycle') {
    await deps.engine.signalSubscription(o.subscription_id, { kind: 'renewed', orderId: o.id });
  } else if (!o.subscription_id) {
    await grantScope(deps, { organizationId: o.organization_id, customerId: o.customer_id, productId: o.product_id, orderId: o.id });
  }
}
