// Request parsing with zod; failures become Polar's 422 `detail[]` with `loc` naming the field.
import type { Request } from 'express';
import { z } from 'zod';
import { fromZodError, NotFoundError, RequestValidationError } from './errors';

export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.body ?? {});
  if (!result.success) throw fromZodError(result.error, 'body');
  return result.data;
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.query ?? {});
  if (!result.success) throw fromZodError(result.error, 'query');
  return result.data;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** A path id that is not a UUID cannot name anything: 404, as for an unknown id. */
export function pathId(req: Request, name = 'id', what = 'Resource'): string {
  const value = req.params[name];
  if (!isUuid(value)) throw new NotFoundError(`${what} not found`);
  return value.toLowerCase();
}

/**
 * Limits for strings the contract leaves unbounded: long enough for any honest value, short
 * enough that one request cannot fill a row (or a log line) with megabytes.
 */
export const TEXT_LIMITS = {
  /** Names, labels, identifiers, search terms. */
  short: 256,
  /** Free text: descriptions, comments, notes. */
  long: 5000,
  /** License keys and other opaque tokens a client echoes back. */
  token: 512,
} as const;

const NUL = String.fromCharCode(0);

/**
 * A string of at most `max` characters without NUL. PostgreSQL text cannot hold NUL (it answers
 * 22021 / 22P05), so a NUL is the client's mistake and is named at the field, never a 500.
 */
export function safeString(max: number) {
  return z
    .string()
    .max(max)
    .refine((s) => !s.includes(NUL), 'String should not contain NUL characters');
}

export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;

/** An integer that fits the `integer` (int4) column it is stored in. */
export function int32() {
  return z.number().int().min(INT32_MIN).max(INT32_MAX);
}

/** A text path key (an external id): one no stored value can equal is simply not found. */
export function pathText(req: Request, name: string, what = 'Resource', max = 1024): string {
  const value = String(req.params[name]);
  if (value.length > max || value.includes(NUL)) throw new NotFoundError(`${what} not found`);
  return value;
}

export const uuid = z
  .string()
  .regex(UUID_RE, 'Input should be a valid UUID')
  .transform((s) => s.toLowerCase());

/** A query filter that may be given once or repeated (`?id=a&id=b`). */
export function multi<T extends z.ZodType>(item: T) {
  return z
    .union([item, z.array(item)])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])) as unknown as z.ZodType<z.infer<T>[] | undefined>;
}

export const queryBool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Polar's metadata: <=50 keys of <=40 chars; string (1..500) | int | float | bool values. */
export const metadataInput = z
  .record(safeString(40).min(1), z.union([safeString(500).min(1), z.number(), z.boolean()]))
  .refine((m) => Object.keys(m).length <= 50, 'At most 50 metadata keys');

/** `metadata[key]=value` query filters (Polar's MetadataQuery). */
export function metadataFilter(query: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const value = safeString(500);
  for (const [k, v] of Object.entries(query)) {
    const m = /^metadata\[(.+)\]$/.exec(k);
    if (!m) continue;
    const values = (Array.isArray(v) ? v : [v]).map(String);
    for (const text of [m[1], ...values]) {
      const parsed = value.safeParse(text);
      if (!parsed.success) throw RequestValidationError.at(['query', k], parsed.error.issues[0].message, 'value_error');
    }
    out[m[1]] = values;
  }
  return out;
}
