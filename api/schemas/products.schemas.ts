// Request shapes of /v1/products (Polar's ProductCreate / ProductUpdate / list filters) and the
// interface through which the routes tell the grant engine that a product's benefits changed.
import { z } from 'zod';
import type { RecordedCommand } from '../../db/repositories/engine-commands.repository';
import type { Queryable } from '../../db/repositories/grants.repository';
import { paginationQuery } from '../pagination';
import { int32, metadataInput, multi, queryBool, safeString, TEXT_LIMITS, uuid } from '../validation';

// Polar's PresentmentCurrency enum.
const CURRENCIES = (
  'aed all amd aoa ars aud awg azn bam bbd bdt bif bmd bnd bob brl bsd bwp bzd cad cdf chf clp cny cop crc cve ' +
  'czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jpy kes ' +
  'kgs khr kmf krw kyd kzt lak lkr lrd lsl mad mdl mga mkd mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd ' +
  'pab pen pgk php pkr pln pyg qar ron rsd rwf sar sbd scr sek sgd shp sos srd szl thb tjs top try ttd twd tzs uah ' +
  'ugx usd uyu uzs vnd vuv wst xaf xcd xcg xof xpf yer zar zmw'
).split(' ') as [string, ...string[]];

export const recurringInterval = z.enum(['day', 'week', 'month', 'year']);
export const productVisibility = z.enum(['draft', 'private', 'public']);
const taxBehavior = z
  .enum(['location', 'inclusive', 'exclusive'])
  .nullable()
  .optional()
  .transform((v) => v ?? null);

const priceBase = {
  price_currency: z.enum(CURRENCIES).default('usd'),
  tax_behavior: taxBehavior,
};

const fixedPrice = z.object({
  amount_type: z.literal('fixed'),
  ...priceBase,
  price_amount: int32().min(0),
});

const customPrice = z
  .object({
    amount_type: z.literal('custom'),
    ...priceBase,
    minimum_amount: int32().min(0).default(50),
    maximum_amount: int32()
      .min(1)
      .nullable()
      .optional()
      .transform((v) => v ?? null),
    preset_amount: int32()
      .min(0)
      .nullable()
      .optional()
      .transform((v) => v ?? null),
  })
  .superRefine((p, ctx) => {
    if (p.maximum_amount !== null && p.maximum_amount < p.minimum_amount) {
      ctx.addIssue({
        code: 'custom',
        path: ['maximum_amount'],
        message: 'Maximum amount must be greater than or equal to the minimum amount',
      });
    }
    if (p.preset_amount !== null && p.preset_amount !== 0 && p.preset_amount < p.minimum_amount) {
      ctx.addIssue({
        code: 'custom',
        path: ['preset_amount'],
        message: 'Preset amount must be greater than or equal to the minimum amount',
      });
    }
    if (p.preset_amount !== null && p.maximum_amount !== null && p.preset_amount > p.maximum_amount) {
      ctx.addIssue({ code: 'custom', path: ['preset_amount'], message: 'Preset amount must be less than or equal to the maximum amount' });
    }
  });

const seatTier = z.object({
  min_seats: int32().min(1),
  max_seats: int32()
    .min(1)
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  price_per_seat: int32().min(0),
});

const seatBasedPrice = z.object({
  amount_type: z.literal('seat_based'),
  ...priceBase,
  seat_tiers: z.object({
    seat_tier_type: z.enum(['volume', 'graduated']).default('volume'),
    tiers: z.array(seatTier).min(1),
  }),
});

/** Accepted so the error names the field; this service has no meters to price by. */
const meteredPrice = z.object({ amount_type: z.literal('metered_unit') }).passthrough();

export const priceCreate = z.discriminatedUnion('amount_type', [fixedPrice, customPrice, seatBasedPrice, meteredPrice]);
export type PriceCreate = z.infer<typeof priceCreate>;

export const existingPrice = z.object({ id: uuid });

/** An update list item: `{id}` keeps an existing price, anything with amount_type creates one. */
export const priceUpdateItem = z.unknown().transform((value, ctx) => {
  const schema = isObject(value) && !('amount_type' in value) && 'id' in value ? existingPrice : priceCreate;
  const result = schema.safeParse(value);
  if (result.success) return result.data as PriceCreate | { id: string };
  for (const issue of result.error.issues) ctx.addIssue(issue as never);
  return z.NEVER;
});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const name = safeString(64).min(3);
const description = safeString(TEXT_LIMITS.long);
const unsupportedList = z.array(z.unknown()).nullable().optional();

const productCreateCommon = {
  name,
  description: description
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  visibility: productVisibility.default('public'),
  metadata: metadataInput.optional(),
  prices: z.array(priceCreate).min(1),
  medias: unsupportedList,
  attached_custom_fields: unsupportedList,
  organization_id: uuid.nullable().optional(),
  trial_interval: recurringInterval.nullable().optional(),
  trial_interval_count: z.number().int().min(1).max(1000).nullable().optional(),
  meter_interval: recurringInterval.nullable().optional(),
  meter_interval_count: z.number().int().min(1).max(999).nullable().optional(),
};

export const productCreateBody = z.object({
  ...productCreateCommon,
  recurring_interval: recurringInterval
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  recurring_interval_count: z
    .number()
    .int()
    .min(1)
    .max(999)
    .nullable()
    .optional()
    .transform((v) => v ?? null),
});
export type ProductCreateBody = z.infer<typeof productCreateBody>;

export const productUpdateBody = z.object({
  name: name.nullable().optional(),
  description: description.nullable().optional(),
  is_archived: z.boolean().nullable().optional(),
  visibility: productVisibility.nullable().optional(),
  metadata: metadataInput.optional(),
  recurring_interval: recurringInterval.nullable().optional(),
  recurring_interval_count: z.number().int().min(1).max(999).nullable().optional(),
  prices: z.array(priceUpdateItem).nullable().optional(),
  medias: unsupportedList,
  attached_custom_fields: unsupportedList,
  trial_interval: recurringInterval.nullable().optional(),
  trial_interval_count: z.number().int().min(1).max(1000).nullable().optional(),
});
export type ProductUpdateBody = z.infer<typeof productUpdateBody>;

export const productBenefitsBody = z.object({ benefits: z.array(uuid) });

export const productListQuery = z.object({
  id: multi(uuid),
  organization_id: multi(uuid),
  query: safeString(TEXT_LIMITS.short).optional(),
  is_archived: queryBool.optional(),
  is_recurring: queryBool.optional(),
  benefit_id: multi(uuid),
  visibility: multi(productVisibility),
  ...paginationQuery,
});

/** Reconciles existing orders and subscriptions after a product's benefit set changed. */
export interface ProductsEngine {
  /** Records the reconcile in the change's transaction; the worker's dispatcher runs it once committed. */
  productBenefitsChanged(q: Queryable, organizationId: string, productId: string): Promise<RecordedCommand>;
}
