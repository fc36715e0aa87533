import type { BenefitType } from './benefit-types';
import { customStrategy } from './custom/custom.strategy';
import { featureFlagStrategy } from './feature-flag/feature-flag.strategy';
import { licenseKeysStrategy } from './license-keys/license-keys.strategy';
import type { BenefitStrategy } from './strategy';

/** Typed over every supported type: a new type without a strategy fails to compile. */
export type StrategyRegistry = { [T in BenefitType]: BenefitStrategy<any> };

export function defaultRegistry(): StrategyRegistry {
  return {
    custom: customStrategy,
    feature_flag: featureFlagStrategy,
    license_keys: licenseKeysStrategy,
  };
}
