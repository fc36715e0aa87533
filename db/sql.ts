// Small SQL helpers shared by the repositories.
import type { DataSource, EntityManager } from 'typeorm';

/** Anything that runs SQL: a DataSource, or a transaction's EntityManager. */
export type Queryable = Pick<DataSource, 'query'> | Pick<EntityManager, 'query'>;

/** Round trip to Postgres (the readiness probe). */
export async function ping(q: Pick<DataSource, 'query'>): Promise<void> {
  await q.query('SELECT 1');
}

/** Accumulates WHERE clauses with $n placeholders so filters compose without string juggling. */
export class SqlWhere {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  /** Adds a clause; `?` placeholders are replaced by the next $n, in order. */
  add(clause: string, ...values: unknown[]): this {
    let sql = clause;
    for (const value of values) {
      this.params.push(value);
      sql = sql.replace('?', `$${this.params.length}`);
    }
    this.clauses.push(sql);
    return this;
  }

  /** `metadata[key]=v` filters: values of one key are alternatives, keys must all match. */
  metadata(column: string, filter: Record<string, string[]> | undefined): this {
    for (const [key, values] of Object.entries(filter ?? {})) {
      this.add(`${column} ->> ? = ANY(?::text[])`, key, values);
    }
    return this;
  }

  toSql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** TypeORM returns `[rows, affected]` for UPDATE/DELETE ... RETURNING and plain rows for SELECT/INSERT. */
export function unwrapRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
