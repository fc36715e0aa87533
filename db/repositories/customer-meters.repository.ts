// Per customer and meter: the running figures (kept by ingestion) and the credited units. Every
// read here is by key or by index; none aggregates the event table.
import type { DataSource } from 'typeorm';
import type { Queryable } from '../sql';
import { figuresCtes } from './meter-figures.sql';
import { consumedSql, Params } from './meter-filter.sql';
import type { MeterRow } from './meters.repository';

export interface CustomerMeterRow {
  id: string;
  created_at: Date;
  modified_at: Date | null;
  organization_id: string;
  customer_id: string;
  meter_id: string;
  consumed_units: number;
  credited_units: number;
  balance: number;
  meter: MeterRow;
}

export interface CustomerMeterFilters {
  customerIds?: string[];
  externalCustomerIds?: string[];
  meterIds?: string[];
  /** Portal: the meter name contains this. */
  query?: string;
}

/** One page of a recompute: events folded, and the cursor against the boundary (progress). */
export interface RecomputePage {
  stale: boolean;
  count: number;
  lastSeq: string;
  boundary: string;
}

const CONSUMED = consumedSql('cm', 'm.aggregation');

const SELECT = `SELECT cm.id, cm.created_at, cm.modified_at, cm.organization_id, cm.customer_id, cm.meter_id,
       ${CONSUMED}::float8 AS consumed_units, cm.credited_units::float8 AS credited_units,
       (cm.credited_units - ${CONSUMED})::float8 AS balance, to_jsonb(m) AS meter
  FROM customer_meters cm JOIN meters m ON m.id = cm.meter_id`;

/** Sortable fields (CustomerMeterSortProperty) mapped to SQL. */
export const customerMeterSortColumns: Record<string, string> = {
  created_at: 'cm.created_at',
  modified_at: 'cm.modified_at',
  customer_id: 'cm.customer_id',
  customer_name: '(SELECT c.name FROM customers c WHERE c.id = cm.customer_id)',
  meter_id: 'cm.meter_id',
  meter_name: 'm.name',
  consumed_units: CONSUMED,
  credited_units: 'cm.credited_units',
  balance: `(cm.credited_units - ${CONSUMED})`,
};

export class CustomerMetersRepository {
  constructor(private readonly ds: DataSource) {}

  async list(
    orgId: string,
    f: CustomerMeterFilters,
    sort: string,
    limit: number,
    offset: number,
    customerId?: string,
  ): Promise<{ rows: CustomerMeterRow[]; total: number }> {
    const params: unknown[] = [orgId];
    const bind = (v: unknown) => (params.push(v), `$${params.length}`);
    const where = ['cm.organization_id = $1', 'm.archived_at IS NULL'];
    if (customerId) where.push(`cm.customer_id = ${bind(customerId)}::uuid`);
    if (f.customerIds?.length) where.push(`cm.customer_id = ANY(${bind(f.customerIds)}::uuid[])`);
    if (f.externalCustomerIds?.length) {
      where.push(
        `cm.customer_id IN (SELECT id FROM customers WHERE organization_id = $1 AND external_id = ANY(${bind(f.externalCustomerIds)}::text[]))`,
      );
    }
    if (f.meterIds?.length) where.push(`cm.meter_id = ANY(${bind(f.meterIds)}::uuid[])`);
    if (f.query) where.push(`m.name ILIKE '%' || ${bind(f.query)} || '%'`);
    const clause = where.join(' AND ');
    const [{ total }] = await this.ds.query(
      `SELECT count(*)::int AS total FROM customer_meters cm JOIN meters m ON m.id = cm.meter_id WHERE ${clause}`,
      params,
    );
    const rows = await this.ds.query(`${SELECT} WHERE ${clause} ORDER BY ${sort}, cm.id LIMIT ${limit} OFFSET ${offset}`, params);
    return { rows, total };
  }

  /** One customer meter of the organization (and, for the portal, of the customer). */
  async find(orgId: string, id: string, customerId?: string): Promise<CustomerMeterRow | null> {
    const rows = await this.ds.query(
      `${SELECT} WHERE cm.organization_id = $1 AND cm.id = $2 AND ($3::uuid IS NULL OR cm.customer_id = $3) AND m.archived_at IS NULL`,
      [orgId, id, customerId ?? null],
    );
    return rows[0] ?? null;
  }

  /** The balance of one customer on one meter: a read by key. */
  async balance(customerId: string, meterId: string, q: Queryable = this.ds): Promise<CustomerMeterRow | null> {
    const rows = await q.query(`${SELECT} WHERE cm.customer_id = $1 AND cm.meter_id = $2`, [customerId, meterId]);
    return rows[0] ?? null;
  }

  /** The meters a subscription's live meter_credit grants credit, with the customer's figures. */
  async forSubscription(subscriptionId: string, q: Queryable = this.ds): Promise<CustomerMeterRow[]> {
    return q.query(
      `${SELECT} JOIN subscriptions s ON s.id = $1 AND s.customer_id = cm.customer_id
        WHERE cm.meter_id IN (SELECT (g.properties ->> 'last_credited_meter_id')::uuid FROM benefit_grants g
                               WHERE g.subscription_id = $1 AND g.granted_at IS NOT NULL AND g.revoked_at IS NULL
                                 AND g.properties ? 'last_credited_meter_id')
        ORDER BY m.created_at, m.id`,
      [subscriptionId],
    );
  }

  /**
   * A meter's definition changed (the caller holds its row FOR UPDATE, so no ingest counting with
   * the old definition is in flight): figures to zero, and the recompute's cursor set to the last
   * event seq. Events after it are counted by ingestion with the new definition; up to it, by the
   * recompute.
   */
  async beginRecompute(q: Queryable, meter: MeterRow): Promise<void> {
    await q.query(
      `UPDATE customer_meters SET agg_count = 0, agg_sum = 0, agg_min = NULL, agg_max = NULL, modified_at = now() WHERE meter_id = $1`,
      [meter.id],
    );
    await q.query(`DELETE FROM customer_meter_values WHERE meter_id = $1`, [meter.id]);
    await q.query(
      `UPDATE meters SET recompute_after_seq = 0,
              recompute_boundary = (SELECT COALESCE(max(seq), 0) FROM events WHERE organization_id = $2)
        WHERE id = $1`,
      [meter.id, meter.organization_id],
    );
  }

  /**
   * Folds the next page of events (after the meter's cursor, up to its boundary) into its figures
   * and moves the cursor, in one transaction: a retried page is never counted twice. Stale when a
   * newer definition change restarted the recompute.
   */
  async recomputePage(meterId: string, version: number, pageSize: number): Promise<RecomputePage> {
    return this.ds.transaction(async (em) => {
      const [meter]: (MeterRow & { recompute_after_seq: string; recompute_boundary: string })[] = await em.query(
        `SELECT * FROM meters WHERE id = $1 FOR UPDATE`,
        [meterId],
      );
      if (!meter || meter.figures_version !== version) return { stale: true, count: 0, lastSeq: '0', boundary: '0' };
      const p = new Params([meter.organization_id, meter.recompute_after_seq, meter.recompute_boundary, pageSize]);
      const page = `page AS (SELECT * FROM events WHERE organization_id = $1 AND seq > $2::bigint AND seq <= $3::bigint ORDER BY seq LIMIT $4)`;
      const ctes = [page, ...figuresCtes(meter, 'page', '$1', p, 'f')];
      const [row] = await em.query(
        `WITH ${ctes.join(',\n')} SELECT count(*)::int AS count, COALESCE(max(seq), $2::bigint)::text AS last FROM page`,
        p.values,
      );
      await em.query(`UPDATE meters SET recompute_after_seq = $2 WHERE id = $1`, [meterId, row.last]);
      return { stale: false, count: row.count, lastSeq: row.last, boundary: String(meter.recompute_boundary) };
    });
  }
}
