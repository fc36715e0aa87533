// What the outbox relay looks for besides engine commands: rows committed before their workflow
// start was known to have happened. Each scan is bounded, ordered oldest first and served by a
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

  async unstartedSubscriptions(olderThanSeconds: number, limit: number): Promise<{ id: string }[]> {
    return this.ds.query(
      `SELECT id FROM subscriptions
        WHERE workflow_started_at IS NULL AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at, id LIMIT $2`,
      [olderThanSeconds, limit],
    );
  }

  async unstartedOrders(olderThanSeconds: number, limit: number): Promise<UnstartedOrder[]> {
    return this.ds.query(
      `SELECT id, organization_id, customer_id, product_id, subscription_id, billing_reason FROM orders
        WHERE workflow_started_at IS NULL AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at, id LIMIT $2`,
      [olderThanSeconds, limit],
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
