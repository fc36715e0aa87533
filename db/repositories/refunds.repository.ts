// Refunds recorded by the merchant's billing system. One row per refund; a retried request
// (same idempotency key) lands on the row already there.
import type { DataSource } from 'typeorm';
import { SqlWhere } from '../sql';
import type { Queryable } from '../sql';

export interface RefundRow {
  id: string;
  created_at: Date;
  modified_at: Date | null;
  organization_id: string;
  order_id: string;
  subscription_id: string | null;
  customer_id: string;
  status: string;
  reason: string;
  amount: number;
  tax_amount: number;
  currency: string;
  comment: string | null;
  revoke_benefits: boolean;
  metadata: Record<string, unknown>;
  idempotency_key: string;
  request_hash: string;
}

export interface RefundInsert {
  organizationId: string;
  orderId: string;
  subscriptionId: string | null;
  customerId: string;
  reason: string;
  amount: number;
  currency: string;
  comment: string | null;
  revokeBenefits: boolean;
  metadata: Record<string, unknown>;
  idempotencyKey: string;
  requestHash: string;
}

export interface RefundFilters {
  ids?: string[];
  orderIds?: string[];
  subscriptionIds?: string[];
  customerIds?: string[];
  externalCustomerIds?: string[];
  succeeded?: boolean;
}

export class RefundsRepository {
  constructor(private readonly ds: DataSource) {}

  /** Inserts the refund; null when the organization already has one under this idempotency key. */
  async insert(q: Queryable, r: RefundInsert): Promise<RefundRow | null> {
    const rows: RefundRow[] = await q.query(
      `INSERT INTO refunds (organization_id, order_id, subscription_id, customer_id, reason, amount, currency, comment,
         revoke_benefits, metadata, idempotency_key, request_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (organization_id, idempotency_key) DO NOTHING
       RETURNING *`,
      [
        r.organizationId,
        r.orderId,
        r.subscriptionId,
        r.customerId,
        r.reason,
        r.amount,
        r.currency,
        r.comment,
        r.revokeBenefits,
        JSON.stringify(r.metadata),
        r.idempotencyKey,
        r.requestHash,
      ],
    );
    return rows[0] ?? null;
  }

  async findByIdempotencyKey(q: Queryable, orgId: string, key: string): Promise<RefundRow | null> {
    const rows = await q.query(`SELECT * FROM refunds WHERE organization_id = $1 AND idempotency_key = $2`, [orgId, key]);
    return rows[0] ?? null;
  }

  async list(
    orgId: string,
    f: RefundFilters,
    orderSql: string,
    limit: number,
    offset: number,
  ): Promise<{ rows: RefundRow[]; total: number }> {
    const where = new SqlWhere().add('r.organization_id = ?', orgId);
    if (f.ids) where.add('r.id = ANY(?::uuid[])', f.ids);
    if (f.orderIds) where.add('r.order_id = ANY(?::uuid[])', f.orderIds);
    if (f.subscriptionIds) where.add('r.subscription_id = ANY(?::uuid[])', f.subscriptionIds);
    if (f.customerIds) where.add('r.customer_id = ANY(?::uuid[])', f.customerIds);
    if (f.externalCustomerIds) {
      where.add(
        'r.customer_id IN (SELECT c.id FROM customers c WHERE c.organization_id = r.organization_id AND c.external_id = ANY(?::text[]))',
        f.externalCustomerIds,
      );
    }
    if (f.succeeded !== undefined) where.add(f.succeeded ? `r.status = 'succeeded'` : `r.status <> 'succeeded'`);
    const [{ total }] = await this.ds.query(`SELECT count(*)::int AS total FROM refunds r ${where.toSql()}`, where.params);
    const rows: RefundRow[] = await this.ds.query(
      `SELECT r.* FROM refunds r ${where.toSql()} ORDER BY ${orderSql}, r.id LIMIT ${Number(limit)} OFFSET ${Number(offset)}`,
      where.params,
    );
    return { rows, total };
  }
}
