import { z } from 'zod';
import type { BenefitStrategy } from '../strategy';

const schema = z
  .object({
    note: z
      .string()
      .nullable()
      .optional()
      .transform((v) => v ?? null),
  })
  .strict();
type CustomProperties = z.infer<typeof schema>;

/** No side effects: the merchant fulfils it from the benefit_grant.* webhooks. */
export const customStrategy: BenefitStrategy<CustomProperties> = {
  type: 'custom',
  propertiesSchema: schema,
  // Nothing outside the grant row: no access to keep while another grant holds it.
  sharedAccess: false,
  computedOnly: true,
  validateProperties: async (_ctx, p) => p,
  grant: async () => ({ properties: {} }),
  revoke: async () => ({ properties: {} }),
  update: async (ctx) => ({ properties: ctx.grant.properties }),
  cycle: async (ctx) => ({ properties: ctx.grant.properties }),
  requiresUpdate: () => false,
  publicProperties: (p) => ({ note: p.note ?? null }),
};
