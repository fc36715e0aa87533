// The statement that adds a set of events to the running per-customer figures of one meter. The
// events come from a relation named by the caller (the rows an ingest just inserted, or one page
// of a recompute); only events at or after the customer's last reset count.
import type { MeterRow } from './meters.repository';
import { aggregatedValueSql, filterSql, Params, uniqueValueOf } from './meter-filter.sql';

/**
 * CTE parts (`name AS (...)`) that fold `source` into the meter's figures. `orgParam` is the bound
 * organization id. Rows are upserted in customer order, so concurrent calls lock in one order.
 */
export function figuresCtes(meter: MeterRow, source: string, orgParam: string, p: Params, tag: string): string[] {
  const meterParam = `${p.bind(meter.id)}::uuid`;
  const scope = `FROM ${source} e
      LEFT JOIN customer_meters r ON r.customer_id = e.customer_id AND r.meter_id = ${meterParam}
     WHERE e.customer_id IS NOT NULL AND e.source = 'user' AND e."timestamp" >= COALESCE(r.last_reset_at, '-infinity')
       AND ${filterSql('e', meter.filter, p)}`;
  const upsert = (select: string) => `INSERT INTO customer_meters AS cm
        (organization_id, customer_id, meter_id, agg_count, agg_sum, agg_min, agg_max, modified_at)
      ${select}
      ON CONFLICT (customer_id, meter_id) DO UPDATE SET
        agg_count = cm.agg_count + EXCLUDED.agg_count,
        agg_sum = cm.agg_sum + EXCLUDED.agg_sum,
        agg_min = LEAST(cm.agg_min, EXCLUDED.agg_min),
        agg_max = GREATEST(cm.agg_max, EXCLUDED.agg_max),
        modified_at = now()`;
  const a = meter.aggregation;
  if (a.func === 'unique') {
    // Distinct values kept per customer: a value counts once, however many calls carry it.
    const value = uniqueValueOf('e', a.property, p);
    return [
      `${tag}_values AS (INSERT INTO customer_meter_values (meter_id, customer_id, value)
        SELECT DISTINCT ${meterParam}, e.customer_id, ${value} ${scope} AND ${value} IS NOT NULL
        ON CONFLICT DO NOTHING RETURNING customer_id)`,
      `${tag} AS (${upsert(`SELECT ${orgParam}::uuid, customer_id, ${meterParam}, count(*), 0, NULL::numeric, NULL::numeric, now()
        FROM ${tag}_values GROUP BY customer_id ORDER BY customer_id`)})`,
    ];
  }
  const value = aggregatedValueSql('e', a, p);
  const counted = a.func === 'count' ? 'count(*)' : 'count(v)';
  return [
    `${tag} AS (${upsert(`SELECT ${orgParam}::uuid, customer_id, ${meterParam}, ${counted}, COALESCE(sum(v), 0), min(v), max(v), now()
      FROM (SELECT e.customer_id, ${value} AS v ${scope}) x GROUP BY customer_id ORDER BY customer_id`)})`,
  ];
}
