// Customers: organization-scoped CRUD and the customer state read (a hot path: one SQL statement).
import { queryPrepared } from '../prepared';
import type { DataSource } from 'typeorm';
import type { Queryable } from '../sql';
import { consumedSql } from './meter-filter.sql';

export interface CustomerRow {
  id: string;
  created_at: Date | string;
  modified_at: Date | string | null;
  deleted_at: Date | string | null;
  organization_id: string;
  external_id: string | null;
  email: string;
  email_verified: boolean;
  name: string | null;
  billing_address: unknown;
  tax_id: unknown;
  locale: string | null;
  metadata: Record<string, unknown>;
}

/** Nested arrays are already in the wire shape (CustomerStateSubscription / CustomerStateBenefitGrant). */
export interface CustomerStateRow extends CustomerRow {
  active_subscriptions: Record<string, unknown>[];
  granted_benefits: Record<string, unknown>[];
  active_meters: Record<string, unknown>[];
}

export type CustomerLookup = { id: string } | { externalId: string };

/** Reads a customer's state from Postgres alone; webhook payloads reuse it for `customer.state_changed`. */
export interface CustomerStateReader {
  state(organizationId: string, where: CustomerLookup): Promise<CustomerStateRow | null>;
}

/** A write hit one of the per-organization unique indexes; `field` names the body field at fault. */
export class CustomerConflictError extends Error {
  constructor(readonly field: 'email' | 'external_id') {
    super(`customer ${field} already in use`);
  }
}

export interface CustomerListFilters {
  email?: string;
  query?: string;
  active?: boolean;
  metadata: Record<string, string[]>;
}

export interface CustomerWrite {
  email?: string;
  email_verified?: boolean;
  name?: string | null;
  external_id?: string | null;
  metadata?: Record<string, unknown>;
  billing_address?: unknown;
  locale?: string | null;
}

/** Columns of `customers` as CustomerRow expects them; `alias.` prefixed for joins. */
export function customerColumns(alias = 'c'): string {
  return [
    'id',
    'created_at',
    'modified_at',
    'deleted_at',
    'organization_id',
    'external_id',
    'email',
    'email_verified',
    'name',
    'billing_address',
    'tax_id',
    'locale',
    'metadata',
  ]
    .map((c) => `${alias}.${c}`)
    .join(', ');
}

/** Timestamps rendered like Date#toISOString inside json_build_object. */
function iso(expr: string): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

const ACTIVE_SUBSCRIPTIONS_SQL = `COALESCE((
  SELECT json_agg(json_build_object(
    'id', s.id, 'created_at', ${iso('s.created_at')}, 'modified_at', ${iso('s.modified_at')},
    'custom_field_data', '{}'::json, 'metadata', s.metadata, 'status', s.status, 'amount', s.amount,
    'currency', s.currency, 'recurring_interval', s.recurring_interval,
    'current_period_start', ${iso('s.current_period_start')}, 'current_period_end', ${iso('s.current_period_end')},
    'trial_start', NULL, 'trial_end', NULL, 'cancel_at_period_end', s.cancel_at_period_end,
    'canceled_at', ${iso('s.canceled_at')}, 'started_at', ${iso('s.started_at')}, 'ends_at', ${iso('s.ends_at')},
    'product_id', s.product_id, 'discount_id', NULL, 'meters', '[]'::json
  ) ORDER BY s.created_at, s.id)
  FROM subscriptions s
  WHERE s.customer_id = c.id AND s.organization_id = c.organization_id AND s.status IN ('active', 'trialing')
), '[]'::json)`;

const GRANTED_BENEFITS_SQL = `COALESCE((
  SELECT json_agg(json_build_object(
    'id', g.id, 'created_at', ${iso('g.created_at')}, 'modified_at', ${iso('g.modified_at')},
    'granted_at', ${iso('g.granted_at')}, 'benefit_id', g.benefit_id, 'benefit_type', b.type,
    'benefit_metadata', b.metadata, 'properties', g.properties
  ) ORDER BY g.granted_at, g.id)
  FROM benefit_grants g
  JOIN benefits b ON b.id = g.benefit_id AND b.deleted_at IS NULL
  WHERE g.customer_id = c.id AND g.organization_id = c.organization_id
    AND g.granted_at IS NOT NULL AND g.revoked_at IS NULL
), '[]'::json)`;

const CONSUMED = consumedSql('cm', 'm.aggregation');

/** CustomerStateMeter: the customer's figures on every live meter (kept by ingestion, one row each). */
const ACTIVE_METERS_SQL = `COALESCE((
  SELECT json_agg(json_build_object(
    'id', cm.id, 'created_at', ${iso('cm.created_at')}, 'modified_at', ${iso('cm.modified_at')}, 'meter_id', cm.meter_id,
    'consumed_units', ${CONSUMED}::float8, 'credited_units', cm.credited_units,
    'balance', (cm.credited_units - ${CONSUMED})::float8
  ) ORDER BY cm.created_at, cm.id)
  FROM customer_meters cm JOIN meters m ON m.id = cm.meter_id AND m.archived_at IS NULL
  WHERE cm.customer_id = c.id
), '[]'::json)`;

/** TypeORM answers UPDATE/DELETE with `[rows, rowCount]` and everything else with `rows`. */
function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/** Which lookup a CustomerLookup is, and its value: `$2` of the statements below. */
function lookupOf(where: CustomerLookup): { by: LookupBy; value: string } {
  return 'id' in where ? { by: 'id', value: where.id } : { by: 'externalId', value: where.externalId };
}

const LOOKUP_CLAUSES = { id: 'c.id = $2', externalId: 'c.external_id = $2' };
type LookupBy = keyof typeof LOOKUP_CLAUSES;

/**
 * A statement's text for each lookup, built once: queryPrepared names a statement by its text, and
 * a text rebuilt per call would be hashed again on every call (16 µs of a state read on this machine).
 */
function perLookup(sql: (clause: string) => string): Record<LookupBy, string> {
  return { id: sql(LOOKUP_CLAUSES.id), externalId: sql(LOOKUP_CLAUSES.externalId) };
}

const FIND_SQL = perLookup(
  (clause) => `SELECT ${customerColumns()} FROM customers c WHERE c.organization_id = $1 AND c.deleted_at IS NULL AND ${clause}`,
);

const STATE_SQL = perLookup(
  (clause) => `SELECT ${customerColumns()},
        ${ACTIVE_SUBSCRIPTIONS_SQL} AS active_subscriptions,
        ${GRANTED_BENEFITS_SQL} AS granted_benefits,
        ${ACTIVE_METERS_SQL} AS active_meters
   FROM customers c
  WHERE c.organization_id = $1 AND c.deleted_at IS NULL AND ${clause}`,
);

function conflictOf(err: unknown): CustomerConflictError | null {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.driverError?.code ?? e.code;
  const constraint = e.driverError?.constraint ?? e.constraint;
  if (code !== '23505') return null;
  if (constraint === 'customers_org_email_uq') return new CustomerConflictError('email');
  if (constraint === 'customers_org_external_uq') return new CustomerConflictError('external_id');
  return null;
}

export class CustomersRepository implements CustomerStateReader {
  constructor(private readonly ds: DataSource) {}

  async list(
    orgId: string,
    filters: CustomerListFilters,
    orderSql: string,
    limit: number,
    offset: number,
  ): Promise<{ rows: CustomerRow[]; total: number }> {
    const params: unknown[] = [orgId];
    const conds = ['c.organization_id = $1', 'c.deleted_at IS NULL'];
    if (filters.email !== undefined) {
      params.push(filters.email);
      conds.push(`lower(c.email) = lower($${params.length})`);
    }
    if (filters.query) {
      params.push(`%${filters.query.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      const p = `$${params.length}`;
      conds.push(`(c.email ILIKE ${p} OR c.name ILIKE ${p} OR c.external_id ILIKE ${p})`);
    }
    if (filters.active !== undefined) {
      conds.push(`${filters.active ? '' : 'NOT '}EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_id = c.id
        AND s.status IN ('trialing', 'active', 'past_due'))`);
    }
    for (const [key, values] of Object.entries(filters.metadata)) {
      params.push(key, values);
      conds.push(`(c.metadata ->> $${params.length - 1}) = ANY($${params.length}::text[])`);
    }
    const where = conds.join(' AND ');
    const [{ total }] = await this.ds.query(`SELECT count(*)::int AS total FROM customers c WHERE ${where}`, params);
    const rows: CustomerRow[] = await this.ds.query(
      `SELECT ${customerColumns()} FROM customers c WHERE ${where}
        ORDER BY ${orderSql}, c.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return { rows, total };
  }

  async find(orgId: string, where: CustomerLookup): Promise<CustomerRow | null> {
    const { by, value } = lookupOf(where);
    const rows = await queryPrepared<CustomerRow>(this.ds, FIND_SQL[by], [orgId, value]);
    return rows[0] ?? null;
  }

  /**
   * Live customers with this id or external id, in any organization unless one is given (the admin
   * CLI names a customer without its organization; an external id may repeat across organizations).
   */
  async locate(idOrExternalId: string, orgId: string | null): Promise<CustomerRow[]> {
    return this.ds.query(
      `SELECT ${customerColumns()} FROM customers c
        WHERE c.deleted_at IS NULL AND ($2::uuid IS NULL OR c.organization_id = $2)
          AND (c.external_id = $1 OR c.id::text = lower($1))
        ORDER BY c.created_at LIMIT 10`,
      [idOrExternalId, orgId],
    );
  }

  /** Which unique field (email, then external id) another live customer of the organization holds. */
  /** The customer whatever its organization or deletion, as CustomerRow (for views of rows that reference it). */
  async findRow(id: string, q: Queryable = this.ds): Promise<CustomerRow | null> {
    const [row]: CustomerRow[] = await q.query(`SELECT ${customerColumns()} FROM customers c WHERE c.id = $1`, [id]);
    return row ?? null;
  }

  async findRows(ids: string[], q: Queryable = this.ds): Promise<CustomerRow[]> {
    return q.query(`SELECT ${customerColumns()} FROM customers c WHERE c.id = ANY($1::uuid[])`, [ids]);
  }

  /** Every stored column (the grant activities hand the whole row to benefit strategies). */
  async findRawRow(id: string, q: Queryable = this.ds): Promise<Record<string, any> | null> {
    const [row] = await q.query(`SELECT * FROM customers WHERE id = $1`, [id]);
    return row ?? null;
  }

  async conflict(orgId: string, w: CustomerWrite, exceptId: string | null): Promise<CustomerConflictError | null> {
    const rows: { email_taken: boolean; external_taken: boolean }[] = await this.ds.query(
      `SELECT
         bool_or($2::text IS NOT NULL AND lower(email) = lower($2)) AS email_taken,
         bool_or($3::text IS NOT NULL AND external_id = $3) AS external_taken
       FROM customers
       WHERE organization_id = $1 AND deleted_at IS NULL AND ($4::uuid IS NULL OR id <> $4)`,
      [orgId, w.email ?? null, w.external_id ?? null, exceptId],
    );
    if (rows[0]?.email_taken) return new CustomerConflictError('email');
    if (rows[0]?.external_taken) return new CustomerConflictError('external_id');
    return null;
  }

  /** Throws CustomerConflictError when a concurrent write took the email or external id first. */
  async create(orgId: string, w: CustomerWrite & { email: string }): Promise<CustomerRow> {
    try {
      const rows: CustomerRow[] = await this.ds.query(
        `INSERT INTO customers (organization_id, email, name, external_id, metadata, billing_address, locale)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING ${customerColumns('customers')}`,
        [
          orgId,
          w.email,
          w.name ?? null,
          w.external_id ?? null,
          JSON.stringify(w.metadata ?? {}),
          w.billing_address ? JSON.stringify(w.billing_address) : null,
          w.locale ?? null,
        ],
      );
      return rows[0];
    } catch (err) {
      throw conflictOf(err) ?? err;
    }
  }

  /** Applies only the given fields; returns null when the customer is not the organization's. */
  async update(orgId: string, id: string, w: CustomerWrite): Promise<CustomerRow | null> {
    const sets: string[] = ['modified_at = now()'];
    const params: unknown[] = [orgId, id];
    for (const [column, value] of Object.entries(w)) {
      if (value === undefined) continue;
      const json = column === 'metadata' || column === 'billing_address';
      params.push(json && value !== null ? JSON.stringify(value) : value);
      sets.push(`${column} = $${params.length}`);
    }
    try {
      const rows = returnedRows<CustomerRow>(
        await this.ds.query(
          `UPDATE customers SET ${sets.join(', ')}
          WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL
          RETURNING ${customerColumns('customers')}`,
          params,
        ),
      );
      return rows[0] ?? null;
    } catch (err) {
      throw conflictOf(err) ?? err;
    }
  }

  /**
   * Soft delete; with `anonymize` the personal data is replaced (GDPR) by hashes salted with a
   * random value per row that is never stored: nothing can be recomputed from a known email or
   * name, and two rows never share a value (the email stays a unique, well-formed address).
   */
  async softDelete(orgId: string, id: string, anonymize: boolean, q: Queryable = this.ds): Promise<boolean> {
    const scrub = anonymize
      ? `, email = encode(sha256(convert_to(gen_random_uuid()::text || lower(email), 'UTF8')), 'hex') || '@anonymized.invalid',
           name = CASE WHEN name IS NULL THEN NULL ELSE encode(sha256(convert_to(gen_random_uuid()::text || name, 'UTF8')), 'hex') END,
           billing_address = NULL, tax_id = NULL`
      : '';
    const rows = returnedRows<{ id: string }>(
      await q.query(
        `UPDATE customers SET deleted_at = now(), modified_at = now() ${scrub}
        WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id`,
        [orgId, id],
      ),
    );
    return rows.length > 0;
  }

  /** The customer with active subscriptions and granted benefits, in one statement. */
  async state(orgId: string, where: CustomerLookup): Promise<CustomerStateRow | null> {
    const { by, value } = lookupOf(where);
    // Prepared: its three correlated aggregates cost more to plan than to run for one customer.
    const rows = await queryPrepared<CustomerStateRow>(this.ds, STATE_SQL[by], [orgId, value]);
    return rows[0] ?? null;
  }
}
