// Polar's meter, event ingestion and customer meter shapes as zod (requests we validate).
import { z } from 'zod';
import type { MeterFilter } from '../../db/repositories/meter-filter.sql';
import { paginationQuery } from '../pagination';
import { metadataInput, multi, queryBool, safeString, TEXT_LIMITS, uuid } from '../validation';

/** Nesting beyond this is refused: a filter is compiled recursively into one SQL expression. */
export const MAX_FILTER_DEPTH = 5;
/** Clauses in one filter, all levels together. */
export const MAX_FILTER_CLAUSES = 50;
/** Events per ingest call (Polar documents no maximum; ours bounds one transaction). */
export const MAX_EVENTS_PER_INGEST = 1000;

const filterClause = z.object({
  property: safeString(TEXT_LIMITS.short).min(1),
  operator: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'like', 'not_like']),
  value: z.union([safeString(1000), z.number().int().min(-2_147_483_648).max(2_147_483_647), z.boolean()]),
});

export const meterFilterSchema: z.ZodType<MeterFilter> = z.lazy(() =>
  z.object({
    conjunction: z.enum(['and', 'or']),
    clauses: z.array(z.union([filterClause, meterFilterSchema])).max(MAX_FILTER_CLAUSES),
  }),
);

function measure(f: MeterFilter, depth = 1): { depth: number; clauses: number } {
  let d = depth;
  let n = 0;
  for (const c of f.clauses) {
    if ('clauses' in c) {
      const m = measure(c, depth + 1);
      d = Math.max(d, m.depth);
      n += m.clauses;
    } else n += 1;
  }
  return { depth: d, clauses: n };
}

const boundedFilter = meterFilterSchema.superRefine((f, ctx) => {
  const m = measure(f);
  if (m.depth > MAX_FILTER_DEPTH) ctx.addIssue({ code: 'custom', message: `Filters nest at most ${MAX_FILTER_DEPTH} levels` });
  if (m.clauses > MAX_FILTER_CLAUSES) ctx.addIssue({ code: 'custom', message: `At most ${MAX_FILTER_CLAUSES} clauses` });
});

const property = safeString(TEXT_LIMITS.short).min(1);
export const aggregationSchema = z.discriminatedUnion('func', [
  z.object({ func: z.literal('count') }),
  z.object({ func: z.enum(['sum', 'max', 'min', 'avg']), property }),
  z.object({ func: z.literal('unique'), property }),
]);

const unit = z.enum(['scalar', 'token', 'custom']);
const multiplier = z.number().int().min(1).max(2_147_483_647).nullable();

export const meterCreateBody = z.object({
  name: safeString(TEXT_LIMITS.short).min(3),
  unit: unit.default('scalar'),
  custom_label: safeString(TEXT_LIMITS.short).nullable().optional(),
  custom_multiplier: multiplier.optional(),
  filter: boundedFilter,
  aggregation: aggregationSchema,
  metadata: metadataInput.optional(),
  organization_id: uuid.nullable().optional(),
});

export const meterUpdateBody = z.object({
  name: safeString(TEXT_LIMITS.short).min(3).nullable().optional(),
  unit: unit.nullable().optional(),
  custom_label: safeString(TEXT_LIMITS.short).nullable().optional(),
  custom_multiplier: multiplier.optional(),
  filter: boundedFilter.nullable().optional(),
  aggregation: aggregationSchema.nullable().optional(),
  metadata: metadataInput.optional(),
  is_archived: z.boolean().nullable().optional(),
});

export const meterListQuery = z.object({
  ...paginationQuery,
  organization_id: multi(uuid),
  query: safeString(TEXT_LIMITS.short).optional(),
  is_archived: queryBool.optional(),
  sorting: z.unknown().optional(),
});

export const meterSortColumns: Record<string, string> = { created_at: 'm.created_at', name: 'm.name' };

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const quantitiesQuery = z.object({
  start_timestamp: isoDate,
  end_timestamp: isoDate,
  interval: z.enum(['hour', 'day', 'week', 'month', 'year']),
  timezone: safeString(64)
    .min(1)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'Unknown time zone')
    .default('UTC'),
  customer_id: multi(uuid),
  external_customer_id: multi(safeString(TEXT_LIMITS.short).min(1)),
  customer_aggregation_function: z.enum(['count', 'sum', 'max', 'min', 'avg', 'unique']).optional(),
});

/** The portal's usage chart reads this many days back unless told otherwise. */
export const PORTAL_QUANTITIES_DAYS = 30;

/** A customer's own quantities: the range defaults to the last 30 days, the interval to a day. */
export const portalQuantitiesQuery = quantitiesQuery.pick({ timezone: true }).extend({
  start_timestamp: isoDate.optional(),
  end_timestamp: isoDate.optional(),
  interval: quantitiesQuery.shape.interval.default('day'),
});

/** Event metadata values as Polar takes them; `_cost` / `_llm` structures pass as objects. */
const eventMetadata = z
  .record(safeString(40).min(1), z.union([safeString(500).min(1), z.number(), z.boolean(), z.record(z.string(), z.unknown())]))
  .refine((m) => Object.keys(m).length <= 50, 'At most 50 metadata keys');

const eventBase = {
  name: safeString(128).min(1),
  timestamp: isoDate.optional(),
  organization_id: uuid.nullable().optional(),
  external_id: safeString(TEXT_LIMITS.short).min(1).nullable().optional(),
  parent_id: safeString(TEXT_LIMITS.short).nullable().optional(),
  metadata: eventMetadata.optional(),
  member_id: uuid.nullable().optional(),
  external_member_id: safeString(TEXT_LIMITS.short).nullable().optional(),
};

/** EventCreateCustomer and EventCreateExternalCustomer: one of them per event. */
export const eventForCustomer = z.object({ ...eventBase, customer_id: uuid });
export const eventForExternalCustomer = z.object({ ...eventBase, external_customer_id: safeString(TEXT_LIMITS.short).min(1) });
export type EventInputParsed = z.infer<typeof eventForCustomer> | z.infer<typeof eventForExternalCustomer>;

export const eventsIngestBody = z.object({
  events: z.array(z.unknown()).max(MAX_EVENTS_PER_INGEST, `At most ${MAX_EVENTS_PER_INGEST} events per call`),
});

const source = z.enum(['system', 'user']);
export const eventListQuery = z.object({
  ...paginationQuery,
  filter: safeString(20_000).optional(),
  start_timestamp: isoDate.optional(),
  end_timestamp: isoDate.optional(),
  organization_id: multi(uuid),
  customer_id: multi(uuid),
  external_customer_id: multi(safeString(TEXT_LIMITS.short).min(1)),
  meter_id: uuid.optional(),
  name: multi(safeString(128).min(1)),
  source: multi(source),
  query: safeString(TEXT_LIMITS.short).optional(),
  parent_id: uuid.optional(),
  depth: z.coerce.number().int().min(0).max(5).optional(),
  sorting: z.unknown().optional(),
});

export const eventSortColumns: Record<string, string> = { timestamp: 'e."timestamp"' };

export const eventNamesQuery = z.object({
  ...paginationQuery,
  organization_id: multi(uuid),
  customer_id: multi(uuid),
  external_customer_id: multi(safeString(TEXT_LIMITS.short).min(1)),
  source: multi(source),
  query: safeString(TEXT_LIMITS.short).optional(),
  sorting: z.unknown().optional(),
});

export const eventNameSortColumns: Record<string, string> = {
  name: 'name',
  occurrences: 'occurrences',
  first_seen: 'first_seen',
  last_seen: 'last_seen',
};

export const customerMeterListQuery = z.object({
  ...paginationQuery,
  organization_id: multi(uuid),
  customer_id: multi(uuid),
  external_customer_id: multi(safeString(TEXT_LIMITS.short).min(1)),
  meter_id: multi(uuid),
  sorting: z.unknown().optional(),
});

export const portalCustomerMeterListQuery = z.object({
  ...paginationQuery,
  meter_id: multi(uuid),
  query: safeString(TEXT_LIMITS.short).optional(),
  sorting: z.unknown().optional(),
});
