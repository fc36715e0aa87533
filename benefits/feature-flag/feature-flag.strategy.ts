import { z } from 'zod';
import type { BenefitStrategy } from '../strategy';

const schema = z.object({}).strict();
type FeatureFlagProperties = z.infer<typeof schema>;

/** No side effects: applications read granted flags from the customer state endpoint. */
export const featureFlagStrategy: BenefitStrategy<FeatureFlagProperties> = {
  type: 'feature_flag',
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
  publicProperties: () => ({}),
};
