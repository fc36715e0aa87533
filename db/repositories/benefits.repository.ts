// Benefits of an organization. Every query is scoped by organization_id: another organization's
// rows are invisible. Deletion is soft (deleted_at); deleted rows are hidden unless asked for.
import type { DataSource, EntityManager } from 'typeorm';
import { escapeLike, SqlWhere, unwrapRows } from '../sql';
import type { Queryable } from '../sql';

export type Json = Record<string, unknown>;

export interface BenefitRow {
  id: string;
  created_at: Date;
  modified_at: Date | null;
  deleted_at: Date | null;
  organization_id: string;
  type: string;
  description: string;
  selectable: boolean;
  deletable: boolean;
  metadata: Json;
  properties: Json;
}

export interface BenefitListFilters {
  organizationIds?: string[];
  types?: string[];
  ids?: string[];
  excludeIds?: string[];
  query?: string;
  metadata?: Record<string, string[]>;
}

export interface BenefitInsert {
  type: string;
  description: string;
  metadata: Json;
  properties: Json;
}

export interface BenefitPatch {
  description?: string;
  metadata?: Json;
  properties?: Json;
}

/** Runs inside the write's transaction (e.g. the webhook outbox): both commit or neither. */
export type AfterWrite = (em: EntityManager, row: BenefitRow) => Promise<void>;

export interface PageWindow {
  limit: number;
  offset: number;
}

const COLUMNS = `b.id, b.created_at, b.modified_at, b.deleted_at, b.organization_id, b.type, b.description,
  b.selectable, b.deletable, b.metadata, b.properties`;

export class BenefitsRepository {
  constructor(private readonly ds: DataSource) {}

  async list(
    orgId: string,
    filters: BenefitListFilters,
    window: PageWindow,
    orderSql: string,
  ): Promise<{ rows: BenefitRow[]; total: number }> {
    const where = new SqlWhere().add('b.organization_id = ?', orgId).add('b.deleted_at IS NULL');
    if (filters.organizationIds) where.add('b.organization_id = ANY(?::uuid[])', filters.organizationIds);
    if (filters.types) where.add('b.type = ANY(?::text[])', filters.types);
    if (filters.ids) where.add('b.id = ANY(?::uuid[])', filters.ids);
    if (filters.excludeIds) where.add('NOT (b.id = ANY(?::uuid[]))', filters.excludeIds);
    if (filters.query) where.add(`b.description ILIKE ? ESCAPE '\\'`, `%${escapeLike(filters.query)}%`);
    where.metadata('b.metadata', filters.metadata);

    const count: { total: string }[] = await this.ds.query(`SELECT count(*) AS total FROM benefits b ${where.toSql()}`, where.params);
    const n = where.params.length;
    const rows: BenefitRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM benefits b ${where.toSql()}
        ORDER BY ${orderSql}, b.id ASC LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...where.params, window.limit, window.offset],
    );
    return { rows, total: Number(count[0]?.total ?? 0) };
  }

  async findById(orgId: string, id: string, opts: { includeDeleted?: boolean } = {}): Promise<BenefitRow | null> {
    const rows: BenefitRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM benefits b
        WHERE b.organization_id = $1 AND b.id = $2 ${opts.includeDeleted ? '' : 'AND b.deleted_at IS NULL'}`,
      [orgId, id],
    );
    return rows[0] ?? null;
  }

  /** The benefits among `ids` that belong to the organization, in the order of `ids`. */
  async findManyByIds(orgId: string, ids: string[], opts: { includeDeleted?: boolean } = {}): Promise<BenefitRow[]> {
    if (ids.length === 0) return [];
    const rows: BenefitRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM benefits b
        WHERE b.organization_id = $1 AND b.id = ANY($2::uuid[]) ${opts.includeDeleted ? '' : 'AND b.deleted_at IS NULL'}`,
      [orgId, ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is BenefitRow => r !== undefined);
  }

  /** Every column of these benefits, whatever their organization or deletion, in no order. */
  async findRows(ids: string[], q: Queryable = this.ds): Promise<BenefitRow[]> {
    return q.query(`SELECT * FROM benefits WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async findRow(id: string, q: Queryable = this.ds): Promise<BenefitRow | null> {
    const [row]: BenefitRow[] = await q.query(`SELECT * FROM benefits WHERE id = $1`, [id]);
    return row ?? null;
  }

  async create(orgId: string, input: BenefitInsert, afterWrite?: AfterWrite): Promise<BenefitRow> {
    return this.ds.transaction(async (em) => {
      const rows: BenefitRow[] = await em.query(
        `INSERT INTO benefits AS b (organization_id, type, description, metadata, properties)
         VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)
         RETURNING ${COLUMNS}`,
        [orgId, input.type, input.description, JSON.stringify(input.metadata), JSON.stringify(input.properties)],
      );
      await afterWrite?.(em, rows[0]);
      return rows[0];
    });
  }

  /** Applies the given fields; null when the benefit is unknown or deleted. */
  async update(orgId: string, id: string, patch: BenefitPatch, afterWrite?: AfterWrite): Promise<BenefitRow | null> {
    return this.ds.transaction(async (em) => {
      const result: unknown = await em.query(
        `UPDATE benefits b SET
           description = COALESCE($3, b.description),
           metadata = COALESCE($4::jsonb, b.metadata),
           properties = COALESCE($5::jsonb, b.properties),
           modified_at = now()
         WHERE b.organization_id = $1 AND b.id = $2 AND b.deleted_at IS NULL
         RETURNING ${COLUMNS}`,
        [orgId, id, patch.description ?? null, jsonOrNull(patch.metadata), jsonOrNull(patch.properties)],
      );
      const row = unwrapRows<BenefitRow>(result)[0];
      if (!row) return null;
      await afterWrite?.(em, row);
      return row;
    });
  }

  /**
   * Marks the benefit deleted and detaches it from every product, atomically, so no product can
   * keep pointing at a deleted benefit. Null when it was unknown or already deleted.
   */
  async softDelete(orgId: string, id: string, afterWrite?: AfterWrite): Promise<BenefitRow | null> {
    return this.ds.transaction(async (em: EntityManager) => {
      const result: unknown = await em.query(
        `UPDATE benefits b SET deleted_at = now(), modified_at = now()
          WHERE b.organization_id = $1 AND b.id = $2 AND b.deleted_at IS NULL
          RETURNING ${COLUMNS}`,
        [orgId, id],
      );
      const row = unwrapRows<BenefitRow>(result)[0];
      if (!row) return null;
      await em.query(`DELETE FROM product_benefits WHERE benefit_id = $1`, [id]);
      await afterWrite?.(em, row);
      return row;
    });
  }
}

function jsonOrNull(value: Json | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
