// Orders recorded by the merchant's billing system. The Idempotency-Key makes a retried call
// land on the same row.
import { queryPrepared } from '../prepared';
import type { DataSource } from 'typeorm';
import { SqlWhere, unwrapRows } from '../sql';
import type { Queryable } from '../sql';
import { notifyEngineWorkSql } from './engine-work-notifications';
import { enqueueEventsSql, webhookPayloads } from './webhook-events.repository';

export interface OrderRow {
  id: string;
  created_at: Date;
  modified_at: Date | null;
  organization_id: string;
  customer_id: string;
  product_id: string | null;
  subscription_id: string | null;
  status: string;
  billing_reason: string;
  subtotal_amount: number;
  discount_amount: number;
  tax_amount: number;
  refunded_amount: number;
  currency: string;
  metadata: Record<string, unknown>;
  idempotency_key: string | null;
  workflow_started_at: Date | null;
}

export interface OrderInsert {
  organizationId: string;
  customerId: string;
  productId: string;
  subscriptionId: string | null;
  billingReason: string;
  subtotalAmount: number;
  discountAmount: number;
  taxAmount: number;
  currency: string;
  metadata: Record<string, unknown>;
  idempotencyKey: string | null;
  /** The task queue whose worker starts the order's workflows (see the dispatch-leases migration). */
  taskQueue: string;
}

export interface OrderFilters {
  productIds?: string[];
  customerIds?: string[];
  subscriptionIds?: string[];
  billingReasons?: string[];
}

/** OrdersRepository.insert: the order, and the dispatcher's wake-up when it commits. */
const INSERT_ORDER_SQL = `WITH o AS (
   INSERT INTO orders (organization_id, customer_id, product_id, subscription_id, billing_reason,
     subtotal_amount, discount_amount, tax_amount, currency, metadata, idempotency_key, task_queue)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
   ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
   RETURNING *)
 SELECT o.*, ${notifyEngineWorkSql('order', 'o.organization_id')} AS notified FROM o`;

/** OrdersRepository.insertPurchase: the order, its webhook events and the dispatcher's wake-up. */
const INSERT_PURCHASE_SQL = `WITH o AS (
   INSERT INTO orders (id, created_at, modified_at, organization_id, customer_id, product_id, subscription_id, status,
     billing_reason, subtotal_amount, discount_amount, tax_amount, refunded_amount, currency, metadata,
     idempotency_key, workflow_started_at, task_queue)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
   ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
   RETURNING id, organization_id),
 w AS (${enqueueEventsSql('$4::uuid', '$19', '$20', ' CROSS JOIN o')})
 SELECT o.id, ${notifyEngineWorkSql('order', 'o.organization_id')} AS notified FROM o`;

export class OrdersRepository {
  constructor(private readonly ds: DataSource) {}

  /** Inserts the order, or returns the one already recorded under the same idempotency key. */
  async insert(q: Queryable, o: OrderInsert): Promise<{ row: OrderRow; created: boolean }> {
    // A new order wakes the worker's dispatcher when it commits (in the same statement: no extra round trip).
    const rows = await queryPrepared<OrderRow & { notified?: unknown }>(q, INSERT_ORDER_SQL, [
      o.organizationId,
      o.customerId,
      o.productId,
      o.subscriptionId,
      o.billingReason,
      o.subtotalAmount,
      o.discountAmount,
      o.taxAmount,
      o.currency,
      JSON.stringify(o.metadata),
      o.idempotencyKey,
      o.taskQueue,
    ]);
    if (rows[0]) {
      const { notified: _notified, ...row } = rows[0];
      return { row, created: true };
    }
    const [existing] = await q.query(`SELECT * FROM orders WHERE organization_id = $1 AND idempotency_key = $2`, [
      o.organizationId,
      o.idempotencyKey,
    ]);
    return { row: existing, created: false };
  }

  /**
   * A purchase in one autocommit statement: the order exactly as given (every column the wire
   * shape reads, so `events`, built from it beforehand, describe what is stored), its webhook
   * events for the endpoints subscribed, and the dispatcher's wake-up. Nothing is written when the
   * idempotency key was already used: the row recorded under it is returned instead.
   */
  async insertPurchase(
    row: OrderRow,
    taskQueue: string,
    events: { type: string; data: unknown }[],
  ): Promise<{ row: OrderRow; created: boolean }> {
    const { types, payloads } = webhookPayloads(events);
    const inserted = await queryPrepared<{ id: string }>(this.ds, INSERT_PURCHASE_SQL, [
      row.id,
      row.created_at,
      row.modified_at,
      row.organization_id,
      row.customer_id,
      row.product_id,
      row.subscription_id,
      row.status,
      row.billing_reason,
      row.subtotal_amount,
      row.discount_amount,
      row.tax_amount,
      row.refunded_amount,
      row.currency,
      JSON.stringify(row.metadata),
      row.idempotency_key,
      row.workflow_started_at,
      taskQueue,
      types,
      payloads,
    ]);
    if (inserted[0]) return { row, created: true };
    return { row: (await this.findByIdempotencyKey(row.organization_id, row.idempotency_key!))!, created: false };
  }

  /** With `lock`, the row stays locked to the transaction (refunds of one order take turns). */
  async findById(orgId: string, id: string, q: Queryable = this.ds, lock = false): Promise<OrderRow | null> {
    const rows = await q.query(`SELECT * FROM orders WHERE organization_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [orgId, id]);
    return rows[0] ?? null;
  }

  async findByIdempotencyKey(orgId: string, key: string): Promise<OrderRow | null> {
    const rows = await this.ds.query(`SELECT * FROM orders WHERE organization_id = $1 AND idempotency_key = $2`, [orgId, key]);
    return rows[0] ?? null;
  }

  async refund(q: Queryable, id: string, amount: number, full: boolean): Promise<OrderRow> {
    const rows = unwrapRows<OrderRow>(
      await q.query(
        `UPDATE orders SET refunded_amount = refunded_amount + $2, status = $3, modified_at = now() WHERE id = $1 RETURNING *`,
        [id, amount, full ? 'refunded' : 'partially_refunded'],
      ),
    );
    return rows[0];
  }

  async list(orgId: string, f: OrderFilters, orderSql: string, limit: number, offset: number): Promise<{ ids: string[]; total: number }> {
    const where = new SqlWhere().add('o.organization_id = ?', orgId);
    if (f.productIds) where.add('o.product_id = ANY(?::uuid[])', f.productIds);
    if (f.customerIds) where.add('o.customer_id = ANY(?::uuid[])', f.customerIds);
    if (f.subscriptionIds) where.add('o.subscription_id = ANY(?::uuid[])', f.subscriptionIds);
    if (f.billingReasons) where.add('o.billing_reason = ANY(?::text[])', f.billingReasons);
    const [{ total }] = await this.ds.query(`SELECT count(*)::int AS total FROM orders o ${where.toSql()}`, where.params);
    const rows: { id: string }[] = await this.ds.query(
      `SELECT o.id FROM orders o ${where.toSql()} ORDER BY ${orderSql}, o.id LIMIT ${Number(limit)} OFFSET ${Number(offset)}`,
      where.params,
    );
    return { ids: rows.map((r) => r.id), total };
  }
}
