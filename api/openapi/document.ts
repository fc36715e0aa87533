// Builds our OpenAPI document: request schemas from the zod schemas the handlers validate with,
// response schemas from Polar's components (we are wire-compatible), copied by $ref closure.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { operations } from './operations';

// From source (api/openapi) and from the build (dist/api/openapi) alike.
const POLAR_SPEC =
  [
    path.resolve(__dirname, '../../docs/reference/polar-openapi-2026-10.json'),
    path.resolve(__dirname, '../../../docs/reference/polar-openapi-2026-10.json'),
  ].find((p) => existsSync(p)) ?? path.resolve(__dirname, '../../docs/reference/polar-openapi-2026-10.json');

function refsIn(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) out.add(v.slice(21));
      else refsIn(v, out);
    }
  }
}

function closure(schemas: Record<string, unknown>, roots: string[]): Record<string, unknown> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name) || !schemas[name]) continue;
    seen.add(name);
    const refs = new Set<string>();
    refsIn(schemas[name], refs);
    queue.push(...refs);
  }
  return Object.fromEntries([...seen].sort().map((n) => [n, schemas[n]]));
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): unknown {
  try {
    return z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  } catch {
    return { type: 'object' };
  }
}

function queryParameters(schema: z.ZodType | undefined): unknown[] {
  if (!schema) return [];
  const js = jsonSchema(schema) as { properties?: Record<string, unknown> };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }));
}

let cached: unknown;

export function buildOpenApiDocument(): unknown {
  if (cached) return cached;
  const polar = JSON.parse(readFileSync(POLAR_SPEC, 'utf8'));
  const paths: Record<string, Record<string, unknown>> = {};
  const roots = ['HTTPValidationError', 'ResourceNotFound', 'Unauthorized'];
  for (const op of operations) {
    const status = String(op.status ?? 200);
    const params = [...(op.path.match(/\{(\w+)\}/g) ?? [])].map((p) => ({
      name: p.slice(1, -1),
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (op.response) roots.push(op.response);
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      description: op.extension ? `**Extension to Polar's contract.** ${op.extension}` : undefined,
      security: op.auth === 'none' ? [] : [{ [op.auth === 'customer' ? 'customer_session' : 'oat']: [] }],
      parameters: [...params, ...queryParameters(op.query)],
      requestBody: op.body ? { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } : undefined,
      responses: {
        [status]: op.response
          ? { description: 'Success', content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.response}` } } } }
          : { description: 'Success, no content' },
        '401': {
          description: 'Missing or invalid token',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Unauthorized' } } },
        },
        '404': {
          description: "Not found (or another organization's)",
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ResourceNotFound' } } },
        },
        '422': {
          description: 'Validation error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/HTTPValidationError' } } },
        },
      },
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Benefits fulfilment API',
      version: '2026-10',
      description:
        "Polar-compatible benefits API on Temporal. Paths, fields and errors follow Polar's 2026-10 contract; extensions are marked.",
    },
    paths,
    components: {
      schemas: closure(polar.components.schemas, roots),
      securitySchemes: {
        oat: { type: 'http', scheme: 'bearer', description: 'Organization access token (polar_oat_...)' },
        customer_session: { type: 'http', scheme: 'bearer', description: 'Customer session token (polar_cst_...)' },
      },
    },
  };
  return cached;
}
