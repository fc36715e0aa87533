// Polar's `Product` from a products row and its live benefits (in position order).
import type { BenefitRow, Json } from '../db/repositories/benefits.repository';
import type { ProductRow, StoredPrice } from '../db/repositories/products.repository';
import { iso, serializeBenefit, type BenefitBody } from './benefit.serializer';

export interface ProductBody {
  id: string;
  created_at: string;
  modified_at: string | null;
  trial_interval: null;
  trial_interval_count: null;
  name: string;
  description: string | null;
  visibility: string;
  recurring_interval: string | null;
  recurring_interval_count: number | null;
  meter_interval: null;
  meter_interval_count: null;
  is_recurring: boolean;
  is_archived: boolean;
  organization_id: string;
  metadata: Json;
  prices: Json[];
  benefits: BenefitBody[];
  medias: never[];
  attached_custom_fields: never[];
}

export function serializeProduct(row: ProductRow, benefits: BenefitRow[]): ProductBody {
  return {
    id: row.id,
    created_at: iso(row.created_at),
    modified_at: row.modified_at ? iso(row.modified_at) : null,
    // Trials and metered billing belong to the billing system, not this service.
    trial_interval: null,
    trial_interval_count: null,
    name: row.name,
    description: row.description,
    visibility: row.visibility,
    recurring_interval: row.recurring_interval,
    recurring_interval_count: row.recurring_interval ? (row.recurring_interval_count ?? 1) : null,
    meter_interval: null,
    meter_interval_count: null,
    is_recurring: row.recurring_interval !== null,
    is_archived: row.is_archived,
    organization_id: row.organization_id,
    metadata: row.metadata ?? {},
    prices: (row.prices ?? []).filter((p) => !p.is_archived).map((p) => serializePrice(p, row.id)),
    benefits: benefits.map(serializeBenefit),
    medias: [],
    attached_custom_fields: [],
  };
}

/** Stored prices already carry the API's fields; seat tiers get their derived bounds. */
export function serializePrice(price: StoredPrice, productId: string): Json {
  const out: Json = { ...price, product_id: productId };
  if (price.amount_type === 'seat_based') {
    const tiers = (price.seat_tiers as { tiers: { min_seats: number; max_seats: number | null }[] }).tiers;
    const unbounded = tiers.some((t) => t.max_seats === null);
    out.seat_tiers = {
      ...(price.seat_tiers as Json),
      minimum_seats: Math.min(...tiers.map((t) => t.min_seats)),
      maximum_seats: unbounded ? null : Math.max(...tiers.map((t) => t.max_seats as number)),
    };
  }
  return out;
}
