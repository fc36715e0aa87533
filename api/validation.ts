// Request parsing with zod; failures become Polar's 422 `detail[]` with `loc` naming the field.
import type { Request } from 'express';
import { z } from 'zod';
import { fromZodError, NotFoundError } from './errors';

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

export const uuid = z.string().regex(UUID_RE, 'Input should be a valid UUID').transform((s) => s.toLowerCase());

/** A query filter that may be given once or repeated (`?id=a&id=b`). */
export function multi<T extends z.ZodType>(item: T) {
  return z
    .union([item, z.array(item)])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])) as unknown as z.ZodType<
    z.infer<T>[] | undefined
  >;
}

export const queryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/** Polar's metadata: <=50 keys of <=40 chars; string (1..500) | int | float | bool values. */
export const metadataInput = z
  .record(
    z.string().min(1).max(40),
    z.union([z.string().min(1).max(500), z.number(), z.boolean()]),
  )
  .refine((m) => Object.keys(m).length <= 50, 'At most 50 metadata keys');

/** `metadata[key]=value` query filters (Polar's MetadataQuery). */
export function metadataFilter(query: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(query)) {
    const m = /^metadata\[(.+)\]$/.exec(k);
    if (m) out[m[1]] = (Array.isArray(v) ? v : [v]).map(String);
  }
  return out;
}
