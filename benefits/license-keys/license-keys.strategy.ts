// License keys: one key per grant, written in the grant's own transaction (GrantContext.tx), so a
// grant and its key commit together and a retried activity finds the key it already issued.
import { z } from 'zod';
import {
  findKeyForGrant,
  insertKeyForGrant,
  rewriteKeyForGrant,
  setKeyStatusForGrant,
  type KeyLimits,
  type Queryable,
} from '../../db/repositories/license-keys.repository';
import type { BenefitStrategy, GrantContext, GrantOutcome, Json } from '../strategy';
import { addTimeframe, displayKey, generateLicenseKey } from './license-key-format';

const INT32_MAX = 2_147_483_647;
const positiveInt = z.number().int().gt(0).max(INT32_MAX);

const expiresSchema = z.object({ ttl: positiveInt, timeframe: z.enum(['year', 'month', 'day']) }).strict();
const activationsSchema = z.object({ limit: positiveInt, enable_customer_admin: z.boolean() }).strict();

const schema = z
  .object({
    prefix: z.string().nullable().optional(),
    expires: expiresSchema.nullable().optional(),
    activations: activationsSchema.nullable().optional(),
    limit_usage: positiveInt.nullable().optional(),
  })
  .strict()
  .transform((p) => ({
    prefix: p.prefix?.trim() ? p.prefix.trim() : null,
    expires: p.expires ?? null,
    activations: p.activations ?? null,
    limit_usage: p.limit_usage ?? null,
  }));

export type LicenseKeysProperties = z.infer<typeof schema>;

/** Stored properties in their normal form; anything unreadable counts as no limits at all. */
function normalize(raw: unknown): LicenseKeysProperties {
  const parsed = schema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : { prefix: null, expires: null, activations: null, limit_usage: null };
}

/** Keys from a one-time order expire; a subscription's key lives (and is revoked) with it. */
function expiryOf(props: LicenseKeysProperties, ctx: GrantContext, grantedAt: Date): Date | null {
  if (!props.expires || ctx.grant.subscriptionId) return null;
  return addTimeframe(grantedAt, props.expires.ttl, props.expires.timeframe);
}

function limitsOf(props: LicenseKeysProperties, expiresAt: Date | null): KeyLimits {
  return { limitActivations: props.activations?.limit ?? null, limitUsage: props.limit_usage ?? null, expiresAt };
}

function txOf(ctx: GrantContext): Queryable {
  if (!ctx.tx) throw new Error('license_keys strategy needs the grant transaction (GrantContext.tx)');
  return ctx.tx;
}

/** Grant properties (Polar's BenefitGrantLicenseKeysProperties) plus the expiry the engine's timer reads. */
function outcome(key: { id: string; key: string }, expiresAt: Date | null): GrantOutcome {
  const iso = expiresAt ? expiresAt.toISOString() : null;
  const properties: Json = { license_key_id: key.id, display_key: displayKey(key.key), ...(iso ? { expires_at: iso } : {}) };
  return { properties, expiresAt: iso };
}

export const licenseKeysStrategy: BenefitStrategy<LicenseKeysProperties> = {
  type: 'license_keys',
  propertiesSchema: schema as unknown as z.ZodType<LicenseKeysProperties>,
  sharedAccess: false,
  validateProperties: async (_ctx, p) => p,

  async grant(ctx) {
    const tx = txOf(ctx);
    const props = normalize(ctx.benefit.properties);
    const expiresAt = expiryOf(props, ctx, ctx.now);
    const limits = limitsOf(props, expiresAt);
    const existing = await findKeyForGrant(tx, ctx.grant.id);
    if (existing) {
      // A re-grant gives the same key back, with the benefit's current limits.
      const key = await rewriteKeyForGrant(tx, ctx.grant.id, limits, 'granted');
      return outcome(key ?? existing, expiresAt);
    }
    const key = await insertKeyForGrant(tx, {
      organizationId: ctx.benefit.organizationId,
      customerId: ctx.customer.id,
      benefitId: ctx.benefit.id,
      grantId: ctx.grant.id,
      key: generateLicenseKey(props.prefix),
      ...limits,
    });
    return outcome(key, expiresAt);
  },

  async revoke(ctx) {
    const key = await setKeyStatusForGrant(txOf(ctx), ctx.grant.id, 'revoked');
    return { properties: key ? { license_key_id: key.id, display_key: displayKey(key.key) } : ctx.grant.properties };
  },

  async update(ctx) {
    const tx = txOf(ctx);
    const props = normalize(ctx.benefit.properties);
    // Expiry counts from when the key was granted, so repeating an update moves nothing.
    const expiresAt = expiryOf(props, ctx, ctx.grant.grantedAt ? new Date(ctx.grant.grantedAt) : ctx.now);
    const key = await rewriteKeyForGrant(tx, ctx.grant.id, limitsOf(props, expiresAt));
    if (!key) return { properties: ctx.grant.properties };
    const out = outcome(key, expiresAt);
    // A timer for a moment already past would only mark the grant expired a second time.
    return expiresAt && expiresAt <= ctx.now ? { ...out, expiresAt: null } : out;
  },

  cycle: async (ctx) => ({ properties: ctx.grant.properties }),

  requiresUpdate(previous, next) {
    const a = normalize(previous);
    const b = normalize(next);
    return (
      a.expires?.ttl !== b.expires?.ttl ||
      a.expires?.timeframe !== b.expires?.timeframe ||
      a.activations?.limit !== b.activations?.limit ||
      a.limit_usage !== b.limit_usage
    );
  },

  publicProperties(p) {
    return { prefix: p.prefix ?? null, expires: p.expires ?? null, activations: p.activations ?? null, limit_usage: p.limit_usage ?? null };
  },
};
