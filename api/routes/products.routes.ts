// /v1/products: Polar's organization-scoped product catalogue. Products matter to this service for
// the benefits they carry; changing that list reconciles existing orders and subscriptions.
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import {
  productSortColumns,
  ProductsRepository,
  type ProductPatch,
  type ProductRow,
  type StoredPrice,
} from '../../db/repositories/products.repository';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { NotFoundError, NotPermittedError, RequestValidationError } from '../errors';
import { listResource, offsetOf, orderBy } from '../pagination';
import {
  productBenefitsBody,
  productCreateBody,
  productListQuery,
  productUpdateBody,
  type PriceCreate,
  type ProductCreateBody,
  type ProductsEngine,
  type ProductUpdateBody,
} from '../schemas/products.schemas';
import { serializeProduct } from '../../wire/product.serializer';
import { metadataFilter, parseBody, parseQuery, pathId } from '../validation';

export type { ProductsEngine } from '../schemas/products.schemas';

export function productsRoutes(services: ApiServices): Router {
  const engine = services.dispatcher;
  const h = new ProductHandlers(new ProductsRepository(services.dataSource), engine);
  const router = Router();
  router.get(['/products/', '/products'], h.list);
  router.post(['/products/', '/products'], h.create);
  router.get('/products/:id', h.get);
  router.patch('/products/:id', h.update);
  router.post('/products/:id/benefits', h.updateBenefits);
  return router;
}

class ProductHandlers {
  constructor(
    private readonly repo: ProductsRepository,
    private readonly engine: ProductsEngine,
  ) {}

  list = async (req: Request, res: Response) => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(productListQuery, req);
    const order = orderBy(req.query.sorting, productSortColumns, ['-created_at']);
    const filters = {
      organizationIds: q.organization_id,
      ids: q.id,
      query: q.query,
      isArchived: q.is_archived,
      isRecurring: q.is_recurring,
      benefitIds: q.benefit_id,
      visibility: q.visibility,
      metadata: metadataFilter(req.query as Record<string, unknown>),
    };
    const { rows, total } = await this.repo.list(orgId, filters, { limit: q.limit, offset: offsetOf(q) }, order);
    res.json(listResource(await this.serialize(orgId, rows), total, q));
  };

  create = async (req: Request, res: Response) => {
    const orgId = organizationIdOf(res);
    const body = parseBody(productCreateBody, req);
    checkCreate(body, orgId);
    const row = await this.repo.create(orgId, {
      id: randomUUID(),
      name: body.name,
      description: body.description,
      visibility: body.visibility,
      recurring_interval: body.recurring_interval,
      recurring_interval_count: body.recurring_interval ? (body.recurring_interval_count ?? 1) : null,
      metadata: body.metadata ?? {},
      prices: body.prices.map((p) => newPrice(p)),
    });
    res.status(201).json((await this.serialize(orgId, [row]))[0]);
  };

  get = async (req: Request, res: Response) => {
    const orgId = organizationIdOf(res);
    res.json((await this.serialize(orgId, [await this.mustFind(orgId, req)]))[0]);
  };

  update = async (req: Request, res: Response) => {
    const orgId = organizationIdOf(res);
    const existing = await this.mustFind(orgId, req);
    const patch = buildPatch(existing, parseBody(productUpdateBody, req));
    const row = await this.repo.update(orgId, existing.id, patch);
    if (!row) throw new NotFoundError('Product not found');
    res.json((await this.serialize(orgId, [row]))[0]);
  };

  updateBenefits = async (req: Request, res: Response) => {
    const orgId = organizationIdOf(res);
    const id = pathId(req, 'id', 'Product');
    const { benefits } = parseBody(productBenefitsBody, req);
    const result = await this.repo.replaceBenefits(orgId, id, benefits, async (em, change) => {
      // Reordering alone changes no grant; only a different set is reconciled.
      if (!sameSet(change.previous, change.next)) await this.engine.productBenefitsChanged(em, orgId, id);
    });
    if (result.status === 'product_not_found') throw new NotFoundError('Product not found');
    if (result.status === 'invalid') throw benefitsError(result, benefits);
    res.json((await this.serialize(orgId, [await this.mustFind(orgId, req)]))[0]);
  };

  private async mustFind(orgId: string, req: Request): Promise<ProductRow> {
    const row = await this.repo.findById(orgId, pathId(req, 'id', 'Product'));
    if (!row) throw new NotFoundError('Product not found');
    return row;
  }

  private async serialize(orgId: string, rows: ProductRow[]) {
    const benefits = await this.repo.benefitsByProduct(
      orgId,
      rows.map((r) => r.id),
    );
    return rows.map((r) => serializeProduct(r, benefits.get(r.id) ?? []));
  }
}

function benefitsError(result: { missing: number[]; notSelectable: string[] }, benefits: string[]): Error {
  if (result.missing.length) {
    return new RequestValidationError(
      result.missing.map((i) => ({
        loc: ['body', 'benefits', i],
        msg: 'Benefit does not exist.',
        type: 'value_error',
        input: benefits[i],
      })),
    );
  }
  return new NotPermittedError(`Benefit ${result.notSelectable[0]} is not selectable and cannot be added or removed`);
}

function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

function invalid(loc: (string | number)[], msg: string, input?: unknown): RequestValidationError {
  return RequestValidationError.at(['body', ...loc], msg, 'value_error', input);
}

type UnsupportedField =
  'trial_interval' | 'trial_interval_count' | 'meter_interval' | 'meter_interval_count' | 'medias' | 'attached_custom_fields';

/** Fields of the contract this service does not model: refused rather than silently dropped. */
function checkUnsupported(body: { [K in UnsupportedField]?: unknown }): void {
  for (const field of ['trial_interval', 'trial_interval_count', 'meter_interval', 'meter_interval_count'] as const) {
    if (body[field] !== undefined && body[field] !== null) throw invalid([field], `${field} is not supported by this service`, body[field]);
  }
  for (const field of ['medias', 'attached_custom_fields'] as const) {
    if (Array.isArray(body[field]) && (body[field] as unknown[]).length)
      throw invalid([field], `${field} is not supported by this service`);
  }
}

function checkCreate(body: ProductCreateBody, orgId: string): void {
  if (body.organization_id && body.organization_id !== orgId) {
    throw RequestValidationError.at(
      ['body', 'organization_id'],
      'Setting organization_id is disallowed when using an organization token.',
      'organization_token',
      body.organization_id,
    );
  }
  checkUnsupported(body);
  if (!body.recurring_interval && body.recurring_interval_count !== null) {
    throw invalid(['recurring_interval_count'], 'recurring_interval_count requires recurring_interval', body.recurring_interval_count);
  }
  checkPrices(body.prices);
}

/**
 * Polar's price list rules, per currency: at most one fixed and one seat-based price, or a single
 * custom price. Metered prices need meters, which this service does not keep.
 */
function checkPrices(prices: (PriceCreate | StoredPrice)[]): void {
  prices.forEach((p, i) => {
    if (p.amount_type === 'metered_unit') {
      throw invalid(['prices', i, 'amount_type'], 'Metered prices are not supported by this service', p.amount_type);
    }
  });
  const byCurrency = new Map<string, string[]>();
  for (const p of prices) {
    const currency = String(p.price_currency);
    byCurrency.set(currency, [...(byCurrency.get(currency) ?? []), p.amount_type]);
  }
  for (const [currency, types] of byCurrency) {
    const count = (t: string) => types.filter((x) => x === t).length;
    const ok = count('custom') ? types.length === 1 : count('fixed') <= 1 && count('seat_based') <= 1;
    if (!ok) {
      throw invalid(['prices'], `Invalid prices for ${currency}: at most one fixed and one seat-based price, or a single custom price`);
    }
  }
}

function newPrice(p: PriceCreate): StoredPrice {
  return {
    ...p,
    id: randomUUID(),
    created_at: new Date().toISOString(),
    modified_at: null,
    source: 'catalog',
    is_archived: false,
  } as StoredPrice;
}

function buildPatch(existing: ProductRow, body: ProductUpdateBody): ProductPatch {
  checkUnsupported(body);
  const patch: ProductPatch = {};
  if (body.name) patch.name = body.name;
  if (body.description !== undefined) patch.description = body.description;
  if (typeof body.is_archived === 'boolean') patch.is_archived = body.is_archived;
  if (body.visibility) patch.visibility = body.visibility;
  if (body.metadata) patch.metadata = body.metadata;
  if (body.recurring_interval || body.recurring_interval_count) {
    if (!existing.recurring_interval) {
      const field = body.recurring_interval ? 'recurring_interval' : 'recurring_interval_count';
      throw invalid([field], 'A one-time product cannot become recurring', body[field]);
    }
    if (body.recurring_interval) patch.recurring_interval = body.recurring_interval;
    if (body.recurring_interval_count) patch.recurring_interval_count = body.recurring_interval_count;
  }
  if (body.prices) patch.prices = updatedPrices(existing.prices ?? [], body.prices);
  return patch;
}

/** Listed existing prices stay, new ones are added, every other active price is archived. */
function updatedPrices(current: StoredPrice[], items: (PriceCreate | { id: string })[]): StoredPrice[] {
  const now = new Date().toISOString();
  const active = new Map(current.filter((p) => !p.is_archived).map((p) => [p.id, p]));
  const kept = new Set<string>();
  const added: StoredPrice[] = [];
  items.forEach((item, i) => {
    if ('amount_type' in item) return void added.push(newPrice(item));
    if (!active.has(item.id)) throw invalid(['prices', i, 'id'], 'Price does not exist.', item.id);
    kept.add(item.id);
  });
  const next = [...current.filter((p) => kept.has(p.id)), ...added];
  if (next.length === 0) throw invalid(['prices'], 'At least one price is required');
  checkPrices(next);
  const archived = current.filter((p) => !kept.has(p.id)).map((p) => (p.is_archived ? p : { ...p, is_archived: true, modified_at: now }));
  return [...archived, ...next];
}
