// Polar's page/limit pagination and `sorting=field|-field` (repeatable), mapped to whitelisted SQL.
import { z } from 'zod';
import { RequestValidationError } from './errors';

export const paginationQuery = {
  page: z.coerce.number().int().min(1).max(2_147_483_647).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(10),
};

export interface Page {
  page: number;
  limit: number;
}

export interface ListResource<T> {
  items: T[];
  pagination: { total_count: number; max_page: number };
}

export function listResource<T>(items: T[], total: number, page: Page): ListResource<T> {
  return { items, pagination: { total_count: total, max_page: Math.ceil(total / page.limit) } };
}

export function offsetOf(page: Page): number {
  return (page.page - 1) * page.limit;
}

/**
 * Turns `sorting` query values into an ORDER BY over whitelisted columns. `columns` maps the
 * public field name to a SQL expression; the default applies when nothing is given.
 */
export function orderBy(raw: unknown, columns: Record<string, string>, fallback: string[]): string {
  const given = raw === undefined ? fallback : (Array.isArray(raw) ? raw : [raw]).map(String);
  const parts = given.map((value, i) => {
    const desc = value.startsWith('-');
    const field = desc ? value.slice(1) : value;
    const column = columns[field];
    if (!column) {
      throw RequestValidationError.at(
        ['query', 'sorting', i],
        `Input should be one of ${Object.keys(columns)
          .flatMap((c) => [`'${c}'`, `'-${c}'`])
          .join(', ')}`,
        'enum',
        value,
      );
    }
    return `${column} ${desc ? 'DESC' : 'ASC'}`;
  });
  return parts.join(', ');
}
