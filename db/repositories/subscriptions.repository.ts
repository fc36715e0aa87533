// Subscriptions whose billing runs elsewhere: we hold their period and status and react to them.
import type { DataSource } from 'typeorm';
import { SqlWhere, unwrapRows } from '../sql';
import type { Queryable } from '../sql';
import { notifyEngineWorkSql } from './engine-work-notifications';

export interface SubscriptionRow {
  id: string;
  created_at: Date;
  organization_id: string;
  customer_id: string;
  product_id: string;
  status: string;
  amount: number;
  currency: string;
  recurring_interval: string;
  recurring_interval_count: number;
  current_period_start: Date;
  current_period_end: Date;
  cancel_at_period_end: boolean;
  canceled_at: Date | null;
  ends_at: Date | null;
  ended_at: Date | null;
  workflow_started_at: Date | null;
}

export interface SubscriptionInsert {
  organizationId: string;
  customerId: string;
  productId: string;
  amount: number;
  currency: string;
  recurringInterval: string;
  recurringIntervalCount: number;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  metadata: Record<string, unknown>;
  idempotencyKey: string | null;
  /** The task queue whose worker starts its workflow (see the dispatch-leases migration). */
  taskQueue: string;
}

/** What the subscription workflow decides from: the row plus its organization's grace period. */
export interface SubscriptionSnapshotRow extends SubscriptionRow {
  grace_period_days: number;
  /** Moves of the period end, counted by a trigger (migration 1764000011000). */
  renewal_count?: number;
}

export type SubscriptionTransitionTo = 'past_due' | 'active' | 'canceled' | 'revoked';

const TRANSITION_SQL: Record<SubscriptionTransitionTo, string> = {
  past_due: `status = 'past_due', past_due_at = now()`,
  active: `status = 'active', past_due_at = NULL`,
  canceled: `status = 'canceled', ended_at = now()`,
  revoked: `status = 'canceled', canceled_at = coalesce(canceled_at, now()), ends_at = now(), ended_at = now()`,
};

export interface TransitionCondition {
  /** The statuses the row must still have: a concurrent change (cancel, renewal) wins. */
  expected: string[];
  /** When set, the period must still end at or before this (a renewal moved it on: no change). */
  periodEndAtMost?: Date;
}

export interface SubscriptionFilters {
  productIds?: string[];
  customerIds?: string[];
  active?: boolean;
}

export class SubscriptionsRepository {
  constructor(private readonly ds: DataSource) {}

  async insert(q: Queryable, s: SubscriptionInsert): Promise<{ row: SubscriptionRow; created: boolean }> {
    // A new subscription wakes the worker's dispatcher when it commits (same statement).
    const rows: (SubscriptionRow & { notified?: unknown })[] = await q.query(
      `WITH s AS (
         INSERT INTO subscriptions (organization_id, customer_id, product_id, status, amount, currency, recurring_interval,
           recurring_interval_count, current_period_start, current_period_end, started_at, metadata, idempotency_key, task_queue)
         VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $8, $9, $8, $10, $11, $12)
         ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING *)
       SELECT s.*, ${notifyEngineWorkSql('subscription', 's.organization_id')} AS notified FROM s`,
      [
        s.organizationId,
        s.customerId,
        s.productId,
        s.amount,
        s.currency,
        s.recurringInterval,
        s.recurringIntervalCount,
        s.currentPeriodStart,
        s.currentPeriodEnd,
        JSON.stringify(s.metadata),
        s.idempotencyKey,
        s.taskQueue,
      ],
    );
    if (rows[0]) {
      const { notified: _notified, ...row } = rows[0];
      return { row, created: true };
    }
    const [existing] = await q.query(`SELECT * FROM subscriptions WHERE organization_id = $1 AND idempotency_key = $2`, [
      s.organizationId,
      s.idempotencyKey,
    ]);
    return { row: existing, created: false };
  }

  async findById(orgId: string, id: string, q: Queryable = this.ds, lock = false): Promise<SubscriptionRow | null> {
    const rows = await q.query(`SELECT * FROM subscriptions WHERE organization_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [
      orgId,
      id,
    ]);
    return rows[0] ?? null;
  }

  /** The subscription whatever its organization (for views of rows that reference it). */
  async findRow(id: string, q: Queryable = this.ds): Promise<SubscriptionRow | null> {
    const [row]: SubscriptionRow[] = await q.query(`SELECT * FROM subscriptions WHERE id = $1`, [id]);
    return row ?? null;
  }

  async snapshot(q: Queryable, id: string): Promise<SubscriptionSnapshotRow | null> {
    const rows = await q.query(
      `SELECT s.*, o.grace_period_days FROM subscriptions s JOIN organizations o ON o.id = s.organization_id WHERE s.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * Moves the status only if the row is still as the caller saw it; true when it did. A write
   * that expected `active` never turns a subscription canceled meanwhile into `past_due`.
   */
  async transition(q: Queryable, id: string, to: SubscriptionTransitionTo, when: TransitionCondition): Promise<boolean> {
    const rows = unwrapRows<{ id: string }>(
      await q.query(
        `UPDATE subscriptions SET ${TRANSITION_SQL[to]}, modified_at = now()
       WHERE id = $1 AND status = ANY($2::text[]) AND ($3::timestamptz IS NULL OR current_period_end <= $3)
       RETURNING id`,
        [id, when.expected, when.periodEndAtMost ?? null],
      ),
    );
    return rows.length > 0;
  }

  /** Ends every live subscription of the customer now (customer deleted); returns their ids. */
  async endForCustomer(q: Queryable, orgId: string, customerId: string): Promise<string[]> {
    const rows = unwrapRows<{ id: string }>(
      await q.query(
        `UPDATE subscriptions
          SET status = 'canceled', canceled_at = coalesce(canceled_at, now()), ends_at = now(), ended_at = now(), modified_at = now()
        WHERE organization_id = $1 AND customer_id = $2 AND ended_at IS NULL
        RETURNING id`,
        [orgId, customerId],
      ),
    );
    return rows.map((r) => r.id);
  }

  /** Applies column = value pairs (column names are ours, never the caller's). */
  async update(q: Queryable, id: string, set: Record<string, unknown>): Promise<SubscriptionRow> {
    const cols = Object.keys(set);
    const sql = cols.map((c, i) => `${c} = $${i + 2}`).join(', ');
    const rows = unwrapRows<SubscriptionRow>(
      await q.query(`UPDATE subscriptions SET ${sql}, modified_at = now() WHERE id = $1 RETURNING *`, [id, ...cols.map((c) => set[c])]),
    );
    return rows[0];
  }

  async list(
    orgId: string,
    f: SubscriptionFilters,
    orderSql: string,
    limit: number,
    offset: number,
  ): Promise<{ ids: string[]; total: number }> {
    const where = new SqlWhere().add('s.organization_id = ?', orgId);
    if (f.productIds) where.add('s.product_id = ANY(?::uuid[])', f.productIds);
    if (f.customerIds) where.add('s.customer_id = ANY(?::uuid[])', f.customerIds);
    if (f.active !== undefined) where.add(f.active ? `s.status IN ('active', 'trialing')` : `s.status NOT IN ('active', 'trialing')`);
    const [{ total }] = await this.ds.query(`SELECT count(*)::int AS total FROM subscriptions s ${where.toSql()}`, where.params);
    const rows: { id: string }[] = await this.ds.query(
      `SELECT s.id FROM subscriptions s ${where.toSql()} ORDER BY ${orderSql}, s.id LIMIT ${Number(limit)} OFFSET ${Number(offset)}`,
      where.params,
    );
    return { ids: rows.map((r) => r.id), total };
  }
}

const INTERVAL_SQL: Record<string, string> = { day: 'days', week: 'weeks', month: 'months', year: 'years' };

/** Period end = start + count x interval, computed like Polar (calendar months and years). */
export function addInterval(start: Date, interval: string, count: number): Date {
  const d = new Date(start.getTime());
  if (!INTERVAL_SQL[interval]) throw new Error(`unknown interval ${interval}`);
  if (interval === 'day') d.setUTCDate(d.getUTCDate() + count);
  if (interval === 'week') d.setUTCDate(d.getUTCDate() + 7 * count);
  if (interval === 'month') d.setUTCMonth(d.getUTCMonth() + count);
  if (interval === 'year') d.setUTCFullYear(d.getUTCFullYear() + count);
  return d;
}
