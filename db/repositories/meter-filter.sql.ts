// A meter's filter and aggregation as SQL over one events relation. Values are always bound as
// parameters ($n pushed onto the caller's list); only names we chose (the alias, fixed columns)
// are written into the text. A property is a column (`name`, `source`) or a metadata key.

export type FilterOperator = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'not_like';

export interface FilterClause {
  property: string;
  operator: FilterOperator;
  value: string | number | boolean;
}

export interface MeterFilter {
  conjunction: 'and' | 'or';
  clauses: (FilterClause | MeterFilter)[];
}

export type MeterAggregation =
  { func: 'count' } | { func: 'sum' | 'max' | 'min' | 'avg'; property: string } | { func: 'unique'; property: string };

const COMPARISON: Record<Exclude<FilterOperator, 'like' | 'not_like'>, string> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

/** Event columns a clause may name directly; anything else is a metadata key. */
const COLUMNS = new Set(['name', 'source']);

/** Binds values onto one parameter list, answering their `$n`. */
export class Params {
  constructor(readonly values: unknown[] = []) {}
  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function metadataKey(property: string): string {
  return property.startsWith('metadata.') ? property.slice('metadata.'.length) : property;
}

/** The property as text: a column, or the metadata value (`->>` gives JSON's text form). */
function textOf(alias: string, property: string, p: Params): string {
  if (COLUMNS.has(property)) return `${alias}.${property}`;
  return `(${alias}.metadata ->> ${p.bind(metadataKey(property))})`;
}

/** The property as a number when it reads as one, else NULL (aggregates skip NULLs). */
export function numericOf(alias: string, property: string, p: Params): string {
  const text = textOf(alias, property, p);
  return `(CASE WHEN ${text} ~ '^\\s*-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*$' THEN (${text})::numeric END)`;
}

export function uniqueValueOf(alias: string, property: string, p: Params): string {
  return textOf(alias, property, p);
}

function clauseSql(alias: string, c: FilterClause, p: Params): string {
  if (c.operator === 'like' || c.operator === 'not_like') {
    // Polar's like is containment unless the value carries its own wildcards.
    const pattern = String(c.value);
    const value = pattern.includes('%') || pattern.includes('_') ? pattern : `%${pattern}%`;
    const expr = `${textOf(alias, c.property, p)} LIKE ${p.bind(value)}`;
    return c.operator === 'like' ? `COALESCE(${expr}, false)` : `NOT COALESCE(${expr}, false)`;
  }
  const op = COMPARISON[c.operator];
  if (typeof c.value === 'number') return `COALESCE(${numericOf(alias, c.property, p)} ${op} ${p.bind(c.value)}::numeric, false)`;
  const value = typeof c.value === 'boolean' ? String(c.value) : c.value;
  return `COALESCE(${textOf(alias, c.property, p)} ${op} ${p.bind(value)}::text, false)`;
}

/** The filter as a boolean SQL expression; an empty filter matches every event. */
export function filterSql(alias: string, f: MeterFilter, p: Params): string {
  if (f.clauses.length === 0) return 'true';
  const parts = f.clauses.map((c) => ('clauses' in c ? filterSql(alias, c, p) : clauseSql(alias, c, p)));
  return `(${parts.join(f.conjunction === 'or' ? ' OR ' : ' AND ')})`;
}

/** What one event adds to the figures: the number aggregated (NULL for count and unique). */
export function aggregatedValueSql(alias: string, a: MeterAggregation, p: Params): string {
  return a.func === 'count' || a.func === 'unique' ? 'NULL::numeric' : numericOf(alias, a.property, p);
}

/** The consumed units from a customer_meters row's figures, by the meter's aggregation. */
export function consumedSql(cm: string, aggregation: string): string {
  return `(CASE ${aggregation} ->> 'func'
    WHEN 'count' THEN ${cm}.agg_count::numeric
    WHEN 'unique' THEN ${cm}.agg_count::numeric
    WHEN 'sum' THEN ${cm}.agg_sum
    WHEN 'max' THEN COALESCE(${cm}.agg_max, 0)
    WHEN 'min' THEN COALESCE(${cm}.agg_min, 0)
    WHEN 'avg' THEN CASE WHEN ${cm}.agg_count > 0 THEN ${cm}.agg_sum / ${cm}.agg_count ELSE 0 END
  END)`;
}
