// Products of an organization and their ordered benefit lists. Prices live in products.prices
// (jsonb) as the API shows them, minus product_id; removed prices stay there, archived.
import { queryPrepared } from '../prepared';
import type { DataSource, EntityManager } from 'typeorm';
import { type BenefitRow, type Json, type PageWindow } from './benefits.repository';
import { escapeLike, SqlWhere, unwrapRows } from '../sql';
import type { Queryable } from '../sql';

export interface StoredPrice {
  id: string;
  created_at: string;
  modified_at: string | null;
  source: 'catalog' | 'ad_hoc';
  amount_type: string;
  price_currency: string;
  tax_behavior: string | null;
  is_archived: boolean;
  [field: string]: unknown;
}

export interface ProductRow {
  id: string;
  created_at: Date;
  modified_at: Date | null;
  organization_id: string;
  name: string;
  description: string | null;
  visibility: string;
  recurring_interval: string | null;
  recurring_interval_count: number | null;
  is_archived: boolean;
  metadata: Json;
  prices: StoredPrice[];
}

export interface ProductListFilters {
  organizationIds?: string[];
  ids?: string[];
  query?: string;
  isArchived?: boolean;
  isRecurring?: boolean;
  benefitIds?: string[];
  visibility?: string[];
  metadata?: Record<string, string[]>;
}

export interface ProductInsert {
  id: string;
  name: string;
  description: string | null;
  visibility: string;
  recurring_interval: string | null;
  recurring_interval_count: number | null;
  metadata: Json;
  prices: StoredPrice[];
}

export type ProductPatch = Partial<Omit<ProductInsert, 'id'> & { is_archived: boolean }>;

export type ReplaceBenefitsResult =
  | { status: 'product_not_found' }
  | { status: 'invalid'; missing: number[]; notSelectable: string[] }
  | { status: 'ok'; previous: string[]; next: string[] };

const COLUMNS = `p.id, p.created_at, p.modified_at, p.organization_id, p.name, p.description, p.visibility,
  p.recurring_interval, p.recurring_interval_count, p.is_archived, p.metadata, p.prices`;

const PATCHABLE = [
  'name',
  'description',
  'visibility',
  'recurring_interval',
  'recurring_interval_count',
  'is_archived',
  'metadata',
  'prices',
] as const;

/** The first active price decides price-based sorting, as a product shows it first. */
const firstPrice = (field: string, cast = '') =>
  `(SELECT (pr->>'${field}')${cast} FROM jsonb_array_elements(p.prices) WITH ORDINALITY AS x(pr, n)
     WHERE NOT COALESCE((pr->>'is_archived')::boolean, false) ORDER BY n LIMIT 1)`;

/** The API's `sorting` keys for products, as ORDER BY expressions over `products p`. */
export const productSortColumns: Record<string, string> = {
  created_at: 'p.created_at',
  name: 'p.name',
  price_amount_type: firstPrice('amount_type'),
  price_amount: `COALESCE(${firstPrice('price_amount', '::int')}, ${firstPrice('minimum_amount', '::int')})`,
};

export class ProductsRepository {
  constructor(private readonly ds: DataSource) {}

  async list(
    orgId: string,
    filters: ProductListFilters,
    window: PageWindow,
    orderSql: string,
  ): Promise<{ rows: ProductRow[]; total: number }> {
    const where = new SqlWhere().add('p.organization_id = ?', orgId);
    if (filters.organizationIds) where.add('p.organization_id = ANY(?::uuid[])', filters.organizationIds);
    if (filters.ids) where.add('p.id = ANY(?::uuid[])', filters.ids);
    if (filters.query) where.add(`p.name ILIKE ? ESCAPE '\\'`, `%${escapeLike(filters.query)}%`);
    if (filters.isArchived !== undefined) where.add('p.is_archived = ?', filters.isArchived);
    if (filters.isRecurring !== undefined) where.add(`(p.recurring_interval IS NOT NULL) = ?`, filters.isRecurring);
    if (filters.visibility) where.add('p.visibility = ANY(?::text[])', filters.visibility);
    if (filters.benefitIds) {
      where.add(
        'EXISTS (SELECT 1 FROM product_benefits pb WHERE pb.product_id = p.id AND pb.benefit_id = ANY(?::uuid[]))',
        filters.benefitIds,
      );
    }
    where.metadata('p.metadata', filters.metadata);

    const count: { total: string }[] = await this.ds.query(`SELECT count(*) AS total FROM products p ${where.toSql()}`, where.params);
    const n = where.params.length;
    const rows: ProductRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM products p ${where.toSql()}
        ORDER BY ${orderSql}, p.id ASC LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...where.params, window.limit, window.offset],
    );
    return { rows, total: Number(count[0]?.total ?? 0) };
  }

  async findById(orgId: string, id: string): Promise<ProductRow | null> {
    const rows: ProductRow[] = await this.ds.query(`SELECT ${COLUMNS} FROM products p WHERE p.organization_id = $1 AND p.id = $2`, [
      orgId,
      id,
    ]);
    return rows[0] ?? null;
  }

  /** Every column of the product, whatever its organization (for views of rows that reference it). */
  async findRow(id: string, q: Queryable = this.ds): Promise<ProductRow | null> {
    const [row]: ProductRow[] = await q.query(`SELECT * FROM products WHERE id = $1`, [id]);
    return row ?? null;
  }

  /** Every column of the organization's product (archived ones too). */
  async findRowInOrg(orgId: string, id: string, q: Queryable = this.ds): Promise<ProductRow | null> {
    const [row] = await queryPrepared<ProductRow>(q, `SELECT * FROM products WHERE id = $1 AND organization_id = $2`, [id, orgId]);
    return row ?? null;
  }

  /** The product's live benefits, in the product's order. */
  async liveBenefits(productId: string, q: Queryable = this.ds): Promise<BenefitRow[]> {
    // Prepared: every purchase and every product view reads it.
    return queryPrepared<BenefitRow>(
      q,
      `SELECT b.* FROM product_benefits pb JOIN benefits b ON b.id = pb.benefit_id
        WHERE pb.product_id = $1 AND b.deleted_at IS NULL ORDER BY pb.position`,
      [productId],
    );
  }

  /** Ids and types of the product's live benefits, in the product's order. */
  async liveBenefitTypes(productId: string, q: Queryable = this.ds): Promise<{ id: string; type: string }[]> {
    return q.query(
      `SELECT b.id, b.type FROM product_benefits pb JOIN benefits b ON b.id = pb.benefit_id
        WHERE pb.product_id = $1 AND b.deleted_at IS NULL ORDER BY pb.position`,
      [productId],
    );
  }

  async create(orgId: string, input: ProductInsert): Promise<ProductRow> {
    const rows: ProductRow[] = await this.ds.query(
      `INSERT INTO products AS p (id, organization_id, name, description, visibility, recurring_interval,
         recurring_interval_count, metadata, prices)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)
       RETURNING ${COLUMNS}`,
      [
        input.id,
        orgId,
        input.name,
        input.description,
        input.visibility,
        input.recurring_interval,
        input.recurring_interval_count,
        JSON.stringify(input.metadata),
        JSON.stringify(input.prices),
      ],
    );
    return rows[0];
  }

  /** Writes only the fields present in `patch`; null when the product is not the organization's. */
  async update(orgId: string, id: string, patch: ProductPatch): Promise<ProductRow | null> {
    const sets: string[] = ['modified_at = now()'];
    const params: unknown[] = [orgId, id];
    for (const field of PATCHABLE) {
      if (patch[field] === undefined) continue;
      const json = field === 'metadata' || field === 'prices';
      params.push(json ? JSON.stringify(patch[field]) : patch[field]);
      sets.push(`${field} = $${params.length}${json ? '::jsonb' : ''}`);
    }
    const result: unknown = await this.ds.query(
      `UPDATE products p SET ${sets.join(', ')} WHERE p.organization_id = $1 AND p.id = $2 RETURNING ${COLUMNS}`,
      params,
    );
    return unwrapRows<ProductRow>(result)[0] ?? null;
  }

  /** Live benefits of each product, in position order. */
  async benefitsByProduct(orgId: string, productIds: string[]): Promise<Map<string, BenefitRow[]>> {
    const out = new Map<string, BenefitRow[]>(productIds.map((id) => [id, []]));
    if (productIds.length === 0) return out;
    const rows: (BenefitRow & { product_id: string })[] = await this.ds.query(
      `SELECT pb.product_id, b.id, b.created_at, b.modified_at, b.deleted_at, b.organization_id, b.type,
              b.description, b.selectable, b.deletable, b.metadata, b.properties
         FROM product_benefits pb JOIN benefits b ON b.id = pb.benefit_id
        WHERE pb.product_id = ANY($1::uuid[]) AND b.organization_id = $2 AND b.deleted_at IS NULL
        ORDER BY pb.product_id, pb.position`,
      [productIds, orgId],
    );
    for (const { product_id, ...benefit } of rows) out.get(product_id)?.push(benefit);
    return out;
  }

  /**
   * Replaces the product's ordered benefit list in one transaction. The product row is locked so
   * concurrent replacements serialize and `previous` is exact; the benefits are share-locked so a
   * concurrent delete cannot slip between the check and the insert. `afterWrite` runs in the same
   * transaction once the new list is written (the engine's reconcile commits with it).
   */
  async replaceBenefits(
    orgId: string,
    productId: string,
    benefitIds: string[],
    afterWrite?: (em: EntityManager, change: { previous: string[]; next: string[] }) => Promise<void>,
  ): Promise<ReplaceBenefitsResult> {
    return this.ds.transaction(async (em: EntityManager): Promise<ReplaceBenefitsResult> => {
      const product = await em.query(`SELECT id FROM products WHERE organization_id = $1 AND id = $2 FOR UPDATE`, [orgId, productId]);
      if (product.length === 0) return { status: 'product_not_found' };
      const previous: string[] = (
        await em.query(`SELECT benefit_id FROM product_benefits WHERE product_id = $1 ORDER BY position`, [productId])
      ).map((r: { benefit_id: string }) => r.benefit_id);
      const found: { id: string; selectable: boolean }[] = await em.query(
        `SELECT id, selectable FROM benefits
          WHERE organization_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL FOR SHARE`,
        [orgId, [...new Set([...benefitIds, ...previous])]],
      );
      const invalid = checkBenefits(benefitIds, previous, found);
      if (invalid) return invalid;
      // A benefit listed twice keeps its first position.
      const next = [...new Set(benefitIds)];
      await em.query(`DELETE FROM product_benefits WHERE product_id = $1`, [productId]);
      if (next.length) {
        await em.query(
          `INSERT INTO product_benefits (product_id, benefit_id, position)
           SELECT $1, id, ord - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, ord)`,
          [productId, next],
        );
      }
      await em.query(`UPDATE products SET modified_at = now() WHERE id = $1`, [productId]);
      await afterWrite?.(em, { previous, next });
      return { status: 'ok', previous, next };
    });
  }

  /** The products a customer bought, with the orders and subscriptions that bought each (the portal's grouping). */
  async purchasedBy(orgId: string, customerId: string): Promise<PurchasedProduct[]> {
    const rows: { id: string; name: string; kind: 'order' | 'subscription'; scope_id: string }[] = await this.ds.query(
      `SELECT p.id, p.name, x.kind, x.scope_id
         FROM (SELECT 'order' AS kind, id AS scope_id, product_id, created_at FROM orders
                WHERE organization_id = $1 AND customer_id = $2 AND product_id IS NOT NULL
               UNION ALL
               SELECT 'subscription', id, product_id, created_at FROM subscriptions
                WHERE organization_id = $1 AND customer_id = $2) x
         JOIN products p ON p.id = x.product_id
        ORDER BY x.created_at, x.scope_id`,
      [orgId, customerId],
    );
    const byId = new Map<string, PurchasedProduct>();
    for (const row of rows) {
      const product = byId.get(row.id) ?? { id: row.id, name: row.name, order_ids: [], subscription_ids: [] };
      (row.kind === 'order' ? product.order_ids : product.subscription_ids).push(row.scope_id);
      byId.set(row.id, product);
    }
    return [...byId.values()];
  }
}

export interface PurchasedProduct {
  id: string;
  name: string;
  order_ids: string[];
  subscription_ids: string[];
}

/** Unknown or deleted benefits are invalid; non-selectable ones may be kept but not added or removed. */
function checkBenefits(next: string[], previous: string[], found: { id: string; selectable: boolean }[]): ReplaceBenefitsResult | null {
  const byId = new Map(found.map((b) => [b.id, b]));
  const missing = next.flatMap((id, i) => (byId.has(id) ? [] : [i]));
  const prevSet = new Set(previous);
  const nextSet = new Set(next);
  const notSelectable = [
    ...next.filter((id) => byId.get(id)?.selectable === false && !prevSet.has(id)),
    ...previous.filter((id) => !nextSet.has(id) && byId.get(id)?.selectable === false),
  ];
  return missing.length || notSelectable.length ? { status: 'invalid', missing, notSelectable } : null;
}
