// Downloadables: the customer may download the benefit's files. Holding is one row per customer,
// benefit and file (`downloadables`), written in the grant's own transaction and shared by the
// customer's grants of the benefit (sharedAccess). Archived files are not given to new grants,
// while customers who already hold them keep them; a file dropped from the list is taken back.
import { z } from 'zod';
import { uploadedFileIds } from '../../db/repositories/files.repository';
import { grantFiles, heldFileIds, revokeFiles, type HolderKey } from '../../db/repositories/downloadables.repository';
import { PropertiesValidationError, type BenefitStrategy, type GrantContext, type Json } from '../strategy';

const MAX_FILES = 1_000;
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'Input should be a valid UUID')
  .transform((s) => s.toLowerCase());

const schema = z
  .object({
    files: z.array(uuid).min(1).max(MAX_FILES),
    archived: z.record(uuid, z.boolean()).optional(),
  })
  .strict()
  .transform((p) => ({ files: [...new Set(p.files)], archived: p.archived ?? {} }));

export type DownloadablesProperties = z.infer<typeof schema>;

function normalize(raw: unknown): DownloadablesProperties {
  const p = (raw ?? {}) as Partial<DownloadablesProperties>;
  return { files: Array.isArray(p.files) ? p.files : [], archived: p.archived && typeof p.archived === 'object' ? p.archived : {} };
}

/** The files a new holder gets: listed and not archived. */
export function activeFiles(raw: unknown): string[] {
  const p = normalize(raw);
  return p.files.filter((id) => !p.archived[id]);
}

function txOf(ctx: GrantContext) {
  if (!ctx.tx) throw new Error('downloadables strategy needs the grant transaction (GrantContext.tx)');
  return ctx.tx;
}

function holder(ctx: GrantContext): HolderKey {
  return { organizationId: ctx.benefit.organizationId, customerId: ctx.customer.id, benefitId: ctx.benefit.id };
}

export const downloadablesStrategy: BenefitStrategy<DownloadablesProperties> = {
  type: 'downloadables',
  propertiesSchema: schema as unknown as z.ZodType<DownloadablesProperties>,
  sharedAccess: true,

  async validateProperties(ctx, p) {
    if (!ctx.db) throw new Error('downloadables validation needs the database (ValidationContext.db)');
    const uploaded = await uploadedFileIds(ctx.db, ctx.organizationId, p.files);
    const bad = p.files.findIndex((id) => !uploaded.has(id));
    if (bad >= 0) throw new PropertiesValidationError(['files', bad], 'File not found or not uploaded yet');
    return p;
  },

  async grant(ctx) {
    const tx = txOf(ctx);
    await grantFiles(tx, holder(ctx), activeFiles(ctx.benefit.properties));
    return { properties: { files: await heldFileIds(tx, holder(ctx)) } };
  },

  async update(ctx) {
    const tx = txOf(ctx);
    const key = holder(ctx);
    const listed = new Set(normalize(ctx.benefit.properties).files);
    const held = await heldFileIds(tx, key);
    // Newly listed, unarchived files reach every holder; archived ones stay with those who have them.
    await grantFiles(tx, key, activeFiles(ctx.benefit.properties));
    const dropped = held.filter((id) => !listed.has(id));
    if (dropped.length) await revokeFiles(tx, key, dropped);
    return { properties: { files: await heldFileIds(tx, key) } };
  },

  async revoke(ctx) {
    // Another granted grant of the same benefit keeps the customer's files.
    if (ctx.stillHeldElsewhere) return { properties: ctx.grant.properties };
    await revokeFiles(txOf(ctx), holder(ctx));
    return { properties: {} };
  },

  cycle: async (ctx) => ({ properties: ctx.grant.properties }),

  requiresUpdate(previous, next) {
    const a = normalize(previous);
    const b = normalize(next);
    return JSON.stringify([a.files, a.archived]) !== JSON.stringify([b.files, b.archived]);
  },

  publicProperties(p): Json {
    const n = normalize(p);
    return { archived: n.archived, files: n.files };
  },
};
