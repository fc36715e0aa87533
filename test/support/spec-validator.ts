// Validates response bodies against Polar's 2026-10 OpenAPI document (the wire contract).
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import path from 'node:path';

// A copy of the contract lives in the repo so a clone can test without the team's shared folder.
const SPEC_PATH = path.resolve(__dirname, '../../docs/reference/polar-openapi-2026-10.json');

let ajv: Ajv2020 | undefined;
let spec: any;

function load(): { ajv: Ajv2020; spec: any } {
  if (ajv) return { ajv, spec };
  spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
  ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('uuid4', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  // Pydantic's Color, as Polar serializes it (DiscordGuildRole.color).
  ajv.addFormat('color', /^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
  ajv.addKeyword('discriminator');
  ajv.addSchema({ $id: 'polar', components: spec.components }, 'polar');
  return { ajv, spec };
}

function rewriteRefs(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"polar#/components/'));
}

/** The response schema of an operation, e.g. ('/v1/benefits/{id}', 'get', 200). */
export function responseSchema(pathTemplate: string, method: string, status: number): unknown {
  const { spec } = load();
  const op = spec.paths[pathTemplate]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${pathTemplate} in the spec`);
  const schema = op.responses?.[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no ${status} JSON response for ${method} ${pathTemplate}`);
  return schema;
}

/** Throws with ajv's errors when `body` does not match the operation's response schema. */
export function expectMatchesSpec(pathTemplate: string, method: string, status: number, body: unknown): void {
  const { ajv } = load();
  const validate = ajv.compile(rewriteRefs(responseSchema(pathTemplate, method, status)) as object);
  if (!validate(body)) {
    const errors = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    throw new Error(`response of ${method.toUpperCase()} ${pathTemplate} (${status}) does not match the spec:\n${errors.join('\n')}`);
  }
}

/** Validates against a named component schema, e.g. 'WebhookBenefitGrantCreatedPayload'. */
export function expectMatchesComponent(name: string, body: unknown): void {
  const { ajv } = load();
  const validate = ajv.compile({ $ref: `polar#/components/schemas/${name}` });
  if (!validate(body)) {
    const errors = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    throw new Error(`body does not match ${name}:\n${errors.join('\n')}`);
  }
}
