// Rows committed before their workflow start was known to have happened, claimed by the worker's
// dispatcher at once and by the outbox relay when older (a dispatcher that is not running). Each scan is bounded, ordered oldest first and served by a
// partial index (db/migrations/1764000005000-engine-commands.ts).
import type { DataSource } from 'typeorm';

export interface UnstartedOrder {
  id: string;
  organization_id: string;
  customer_id: string;
  product_id: string | null;
  subscription_id: string | null;
  billing_reason: string;
}

export class UnstartedWorkRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Claims up to `limit` subscriptions of `taskQueue` (or of none) whose workflow is not known to
   * be started, committed at least `olderThanSeconds` ago and not claimed by another dispatcher, for
   * `leaseSeconds` (subscriptions_workflow_pending_idx). SKIP LOCKED: concurrent claimers take
   * disjoint rows. Oldest first. With `olderThanSeconds` 0 age is not looked at: a purchase's
   * created_at comes from the API's clock, which may run a little ahead of the database's.
   */
  claimUnstartedSubscriptions(taskQueue: string, limit: number, leaseSeconds: number, olderThanSeconds = 0): Promise<{ id: string }[]> {
    return this.claim('subscriptions', 'id', taskQueue, limit, leaseSeconds, olderThanSeconds);
  }

  /** Claims orders as claimUnstartedSubscriptions does (orders_workflow_pending_idx). */
  claimUnstartedOrders(taskQueue: string, limit: number, leaseSeconds: number, olderThanSeconds = 0): Promise<UnstartedOrder[]> {
    const columns = 'id, organization_id, customer_id, product_id, subscription_id, billing_reason';
    return this.claim('orders', columns, taskQueue, limit, leaseSeconds, olderThanSeconds);
  }

  private async claim<T>(
    table: 'orders' | 'subscriptions',
    columns: string,
    taskQueue: string,
    limit: number,
    leaseSeconds: number,
    olderThanSeconds: number,
  ): Promise<T[]> {
    return this.ds.query(
      `WITH claimed AS (
         UPDATE ${table} SET dispatch_lease_until = now() + make_interval(secs => $2)
          WHERE id IN (
            SELECT id FROM ${table}
             WHERE workflow_started_at IS NULL AND ($3::float8 = 0 OR created_at <= now() - make_interval(secs => $3))
               AND (dispatch_lease_until IS NULL OR dispatch_lease_until < now()) AND (task_queue = $4 OR task_queue IS NULL)
             ORDER BY created_at, id LIMIT $1 FOR NO KEY UPDATE SKIP LOCKED)
         RETURNING ${columns}, created_at)
       -- RETURNING keeps no order: oldest first, as claimed.
       SELECT ${columns} FROM claimed ORDER BY created_at, id`,
      [limit, leaseSeconds, olderThanSeconds, taskQueue],
    );
  }

  /** Their workflows are started: they are no longer unstarted work (one statement for a batch). */
  async markOrdersStarted(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.ds.query(
      `UPDATE orders SET workflow_started_at = now(), dispatch_lease_until = NULL WHERE id = ANY($1::uuid[]) AND workflow_started_at IS NULL`,
      [ids],
    );
  }

  async markSubscriptionsStarted(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.ds.query(
      `UPDATE subscriptions SET workflow_started_at = now(), dispatch_lease_until = NULL
        WHERE id = ANY($1::uuid[]) AND workflow_started_at IS NULL`,
      [ids],
    );
  }

  /** Deleted benefits that still have live grants (benefits_deleted_idx, benefit_grants_benefit_idx). */
  async deletedBenefitsWithLiveGrants(olderThanSeconds: number, limit: number): Promise<{ id: string }[]> {
    return this.ds.query(
      `SELECT b.id FROM benefits b
        WHERE b.deleted_at IS NOT NULL AND b.deleted_at < now() - make_interval(secs => $1)
          AND EXISTS (SELECT 1 FROM benefit_grants g WHERE g.benefit_id = b.id AND g.revoked_at IS NULL)
        ORDER BY b.deleted_at, b.id LIMIT $2`,
      [olderThanSeconds, limit],
    );
  }

  /** Endpoints of the oldest undelivered events (webhook_events_undelivered_idx), at most `limit` events read. */
  async endpointsWithStaleEvents(olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows: { endpoint_id: string }[] = await this.ds.query(
      `SELECT DISTINCT endpoint_id FROM (
         SELECT endpoint_id FROM webhook_events
          WHERE succeeded IS NULL AND NOT skipped AND created_at < now() - make_interval(secs => $1)
          ORDER BY created_at LIMIT $2) e`,
      [olderThanSeconds, limit],
    );
    return rows.map((r) => r.endpoint_id);
  }
}
