// Meters: definitions (filter, aggregation) and the usage quantities over time.
import type { DataSource } from 'typeorm';
import { SqlWhere, unwrapRows } from '../sql';
import type { Queryable } from '../sql';
import { aggregatedValueSql, filterSql, type MeterAggregation, type MeterFilter, Params } from './meter-filter.sql';

export interface MeterRow {
  id: string;
  created_at: Date;
  modified_at: Date | null;
  organization_id: string;
  name: string;
  unit: string;
  custom_label: string | null;
  custom_multiplier: number | null;
  filter: MeterFilter;
  aggregation: MeterAggregation;
  metadata: Record<string, unknown>;
  archived_at: Date | null;
  figures_version: number;
}

export interface MeterWrite {
  name?: string;
  unit?: string;
  custom_label?: string | null;
  custom_multiplier?: number | null;
  filter?: MeterFilter;
  aggregation?: MeterAggregation;
  metadata?: Record<string, unknown>;
  archived?: boolean;
}

export interface MeterListFilters {
  query?: string;
  isArchived?: boolean;
  metadata?: Record<string, string[]>;
}

export type TimeInterval = 'hour' | 'day' | 'week' | 'month' | 'year';

export interface QuantitiesQuery {
  start: Date;
  end: Date;
  interval: TimeInterval;
  timezone: string;
  customerIds?: string[];
  externalCustomerIds?: string[];
}

const AGGREGATE: Record<MeterAggregation['func'], string> = {
  count: 'count(*)',
  sum: 'sum(v)',
  max: 'max(v)',
  min: 'min(v)',
  avg: 'avg(v)',
  unique: 'count(DISTINCT u)',
};

export class MetersRepository {
  constructor(private readonly ds: DataSource) {}

  async insert(orgId: string, w: Required<Omit<MeterWrite, 'archived'>>): Promise<MeterRow> {
    const [row] = await this.ds.query(
      `INSERT INTO meters (organization_id, name, unit, custom_label, custom_multiplier, filter, aggregation, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [orgId, w.name, w.unit, w.custom_label, w.custom_multiplier, w.filter, w.aggregation, w.metadata],
    );
    return row;
  }

  async find(orgId: string, id: string, q: Queryable = this.ds, lock = false): Promise<MeterRow | null> {
    const rows = await q.query(`SELECT * FROM meters WHERE organization_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [orgId, id]);
    return rows[0] ?? null;
  }

  async findById(id: string, q: Queryable = this.ds): Promise<MeterRow | null> {
    const rows = await q.query(`SELECT * FROM meters WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /**
   * The organization's live meters, key-share locked: a definition change (FOR UPDATE) waits for
   * the ingest calls that counted with the old one, and the ones after it count with the new one.
   */
  async liveForIngest(q: Queryable, orgId: string): Promise<MeterRow[]> {
    return q.query(`SELECT * FROM meters WHERE organization_id = $1 AND archived_at IS NULL ORDER BY id FOR KEY SHARE`, [orgId]);
  }

  async list(
    orgId: string,
    f: MeterListFilters,
    sort: string,
    limit: number,
    offset: number,
  ): Promise<{ rows: MeterRow[]; total: number }> {
    const where = new SqlWhere().add('m.organization_id = ?', orgId);
    if (f.query) where.add(`m.name ILIKE '%' || ? || '%'`, f.query);
    if (f.isArchived !== undefined) where.add(f.isArchived ? 'm.archived_at IS NOT NULL' : 'm.archived_at IS NULL');
    where.metadata('m.metadata', f.metadata);
    const [{ total }] = await this.ds.query(`SELECT count(*)::int AS total FROM meters m ${where.toSql()}`, where.params);
    const rows = await this.ds.query(
      `SELECT m.* FROM meters m ${where.toSql()} ORDER BY ${sort}, m.id LIMIT ${limit} OFFSET ${offset}`,
      where.params,
    );
    return { rows, total };
  }

  /** Writes the given fields; a new filter or aggregation bumps `figures_version` (a recompute). */
  async update(q: Queryable, id: string, w: MeterWrite, redefine: boolean): Promise<MeterRow> {
    const p = new Params([id]);
    const sets: string[] = ['modified_at = now()'];
    const set = (column: string, value: unknown) => sets.push(`${column} = ${p.bind(value)}`);
    if (w.name !== undefined) set('name', w.name);
    if (w.unit !== undefined) set('unit', w.unit);
    if (w.custom_label !== undefined) set('custom_label', w.custom_label);
    if (w.custom_multiplier !== undefined) set('custom_multiplier', w.custom_multiplier);
    if (w.filter !== undefined) set('filter', w.filter);
    if (w.aggregation !== undefined) set('aggregation', w.aggregation);
    if (w.metadata !== undefined) set('metadata', w.metadata);
    if (w.archived === true) sets.push('archived_at = COALESCE(archived_at, now())');
    if (w.archived === false) sets.push('archived_at = NULL');
    if (redefine) sets.push('figures_version = figures_version + 1');
    const [row] = unwrapRows<MeterRow>(await q.query(`UPDATE meters SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, p.values));
    return row;
  }

  /**
   * Usage per interval between start and end (bucket starts in `timezone`), from the events
   * themselves: a range read over the (organization, timestamp) index, not a balance read.
   */
  async quantities(meter: MeterRow, qq: QuantitiesQuery): Promise<{ quantities: { timestamp: Date; quantity: number }[]; total: number }> {
    const p = new Params([meter.organization_id, qq.start, qq.end, qq.interval, qq.timezone]);
    const where = [`e.organization_id = $1`, `e.source = 'user'`, `e."timestamp" >= $2`, `e."timestamp" <= $3`];
    where.push(filterSql('e', meter.filter, p));
    if (qq.customerIds?.length) where.push(`e.customer_id = ANY(${p.bind(qq.customerIds)}::uuid[])`);
    if (qq.externalCustomerIds?.length) where.push(`e.external_customer_id = ANY(${p.bind(qq.externalCustomerIds)}::text[])`);
    const a = meter.aggregation;
    const value = aggregatedValueSql('e', a, p);
    const unique = a.func === 'unique' ? `(e.metadata ->> ${p.bind(a.property)})` : 'NULL::text';
    const bucket = `date_trunc($4, e."timestamp" AT TIME ZONE $5)`;
    const rows = await this.ds.query(
      `WITH buckets AS (
         SELECT b FROM generate_series(date_trunc($4, $2::timestamptz AT TIME ZONE $5),
                                       date_trunc($4, $3::timestamptz AT TIME ZONE $5), ('1 ' || $4)::interval) b
       ),
       usage AS (
         SELECT bucket, ${AGGREGATE[a.func]}::float8 AS quantity
           FROM (SELECT ${bucket} AS bucket, ${value} AS v, ${unique} AS u FROM events e WHERE ${where.join(' AND ')}) x
          GROUP BY GROUPING SETS ((bucket), ())
       )
       SELECT (b AT TIME ZONE $5) AS "timestamp", COALESCE(u.quantity, 0)::float8 AS quantity
         FROM buckets LEFT JOIN usage u ON u.bucket = b
       UNION ALL
       SELECT NULL, COALESCE((SELECT quantity FROM usage WHERE bucket IS NULL), 0)::float8
       ORDER BY 1 NULLS LAST`,
      p.values,
    );
    const total = Number(rows.pop().quantity);
    return {
      quantities: rows.map((r: { timestamp: Date; quantity: number }) => ({ timestamp: r.timestamp, quantity: Number(r.quantity) })),
      total,
    };
  }
}
