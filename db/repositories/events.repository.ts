// Usage events: ingestion (with the meters' figures, in one statement), listing, system events.
import type { DataSource } from 'typeorm';
import type { Queryable } from '../sql';
import { figuresCtes } from './meter-figures.sql';
import { filterSql, type MeterFilter, Params } from './meter-filter.sql';
import type { MeterRow } from './meters.repository';

export interface EventInsert {
  customerId: string | null;
  externalCustomerId: string | null;
  externalId: string | null;
  parentId: string | null;
  name: string;
  timestamp: Date;
  metadata: Record<string, unknown>;
}

export interface EventRow {
  id: string;
  organization_id: string;
  customer_id: string | null;
  external_customer_id: string | null;
  external_id: string | null;
  parent_id: string | null;
  name: string;
  source: 'user' | 'system';
  timestamp: Date;
  metadata: Record<string, unknown>;
  child_count?: number;
}

export interface EventListFilters {
  customerIds?: string[];
  externalCustomerIds?: string[];
  names?: string[];
  sources?: string[];
  start?: Date;
  end?: Date;
  meterFilter?: MeterFilter;
  parentId?: string;
  query?: string;
  metadata?: Record<string, string[]>;
}

export class EventsRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Inserts the events, skipping those whose external id the organization already has, and adds
   * the inserted ones to every live meter's figures, in one statement. Answers how many were new.
   */
  async ingest(q: Queryable, orgId: string, events: EventInsert[], meters: MeterRow[]): Promise<number> {
    const p = new Params([orgId]);
    const cols = [
      `${p.bind(events.map((e) => e.customerId))}::uuid[]`,
      `${p.bind(events.map((e) => e.externalCustomerId))}::text[]`,
      `${p.bind(events.map((e) => e.externalId))}::text[]`,
      `${p.bind(events.map((e) => e.parentId))}::uuid[]`,
      `${p.bind(events.map((e) => e.name))}::text[]`,
      `${p.bind(events.map((e) => e.timestamp))}::timestamptz[]`,
      `${p.bind(events.map((e) => JSON.stringify(e.metadata)))}::jsonb[]`,
    ];
    const ctes = [
      `ins AS (INSERT INTO events (organization_id, customer_id, external_customer_id, external_id, parent_id, name, source, "timestamp", metadata)
        SELECT $1::uuid, c, x, xid, pid, n, 'user', ts, md FROM unnest(${cols.join(', ')}) AS t(c, x, xid, pid, n, ts, md)
        ON CONFLICT (organization_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
        RETURNING customer_id, name, source, "timestamp", metadata)`,
    ];
    meters.forEach((m, i) => ctes.push(...figuresCtes(m, 'ins', '$1', p, `m${i}`)));
    const [row] = await q.query(`WITH ${ctes.join(',\n')} SELECT count(*)::int AS inserted FROM ins`, p.values);
    return row.inserted;
  }

  async find(orgId: string, id: string): Promise<EventRow | null> {
    const rows = await this.ds.query(
      `SELECT e.*, (SELECT count(*)::int FROM events ch WHERE ch.parent_id = e.id) AS child_count
         FROM events e WHERE e.organization_id = $1 AND e.id = $2`,
      [orgId, id],
    );
    return rows[0] ?? null;
  }

  async list(
    orgId: string,
    f: EventListFilters,
    sort: string,
    limit: number,
    offset: number,
  ): Promise<{ rows: EventRow[]; total: number }> {
    const p = new Params();
    const where = this.where(orgId, f, p);
    const [{ total }] = await this.ds.query(`SELECT count(*)::int AS total FROM events e WHERE ${where}`, p.values);
    const rows = await this.ds.query(
      `SELECT e.*, (SELECT count(*)::int FROM events ch WHERE ch.parent_id = e.id) AS child_count
         FROM events e WHERE ${where} ORDER BY ${sort}, e.id LIMIT ${limit} OFFSET ${offset}`,
      p.values,
    );
    return { rows, total };
  }

  private where(orgId: string, f: EventListFilters, p: Params): string {
    const w = [`e.organization_id = ${p.bind(orgId)}::uuid`];
    if (f.customerIds?.length) w.push(`e.customer_id = ANY(${p.bind(f.customerIds)}::uuid[])`);
    if (f.externalCustomerIds?.length) w.push(`e.external_customer_id = ANY(${p.bind(f.externalCustomerIds)}::text[])`);
    if (f.names?.length) w.push(`e.name = ANY(${p.bind(f.names)}::text[])`);
    if (f.sources?.length) w.push(`e.source = ANY(${p.bind(f.sources)}::text[])`);
    if (f.start) w.push(`e."timestamp" >= ${p.bind(f.start)}`);
    if (f.end) w.push(`e."timestamp" <= ${p.bind(f.end)}`);
    if (f.parentId) w.push(`e.parent_id = ${p.bind(f.parentId)}::uuid`);
    if (f.query) w.push(`e.name ILIKE '%' || ${p.bind(f.query)} || '%'`);
    if (f.meterFilter) w.push(`e.source = 'user'`, filterSql('e', f.meterFilter, p));
    for (const [key, values] of Object.entries(f.metadata ?? {})) {
      w.push(`e.metadata ->> ${p.bind(key)} = ANY(${p.bind(values)}::text[])`);
    }
    return w.join(' AND ');
  }

  async names(
    orgId: string,
    f: { customerIds?: string[]; externalCustomerIds?: string[]; sources?: string[]; query?: string },
    sort: string,
    limit: number,
    offset: number,
  ): Promise<{ rows: { name: string; source: string; occurrences: number; first_seen: Date; last_seen: Date }[]; total: number }> {
    const p = new Params();
    const where = this.where(orgId, f, p);
    const grouped = `SELECT e.name, e.source, count(*)::int AS occurrences, min(e."timestamp") AS first_seen, max(e."timestamp") AS last_seen
                       FROM events e WHERE ${where} GROUP BY e.name, e.source`;
    const [{ total }] = await this.ds.query(`SELECT count(*)::int AS total FROM (${grouped}) g`, p.values);
    const rows = await this.ds.query(`SELECT * FROM (${grouped}) g ORDER BY ${sort}, name LIMIT ${limit} OFFSET ${offset}`, p.values);
    return { rows, total };
  }

  /** Customers of the organization among `ids` (live ones), and the ones found by external id. */
  async resolveCustomers(
    q: Queryable,
    orgId: string,
    ids: string[],
    externalIds: string[],
  ): Promise<{ id: string; external_id: string | null }[]> {
    return q.query(
      `SELECT id, external_id FROM customers
        WHERE organization_id = $1 AND deleted_at IS NULL AND (id = ANY($2::uuid[]) OR external_id = ANY($3::text[]))`,
      [orgId, ids, externalIds],
    );
  }
}
