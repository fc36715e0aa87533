import type { BenefitType } from './benefit-types';
import { customStrategy } from './custom/custom.strategy';
import { downloadablesStrategy } from './downloadables/downloadables.strategy';
import { discordStrategy } from './discord/discord.strategy';
import { featureFlagStrategy } from './feature-flag/feature-flag.strategy';
import { githubRepositoryStrategy } from './github-repository/github-repository.strategy';
import { licenseKeysStrategy } from './license-keys/license-keys.strategy';
import { meterCreditStrategy } from './meter-credit/meter-credit.strategy';
import type { BenefitStrategy } from './strategy';

/** Typed over every supported type: a new type without a strategy fails to compile. */
export type StrategyRegistry = { [T in BenefitType]: BenefitStrategy<any> };

/**
 * The strategies, one per type. They hold no clients and no state: what a strategy calls (GitHub,
 * Discord, storage) reaches it in its context as `providers`, built once by each process root
 * (api/composition.ts, workers/main.ts). So this table is a constant, shared by the roots and by
 * the wire serializers (`publicProperties`); a root may still be handed another table (tests).
 */
export const strategies: StrategyRegistry = {
  custom: customStrategy,
  downloadables: downloadablesStrategy,
  discord: discordStrategy,
  feature_flag: featureFlagStrategy,
  license_keys: licenseKeysStrategy,
  meter_credit: meterCreditStrategy,
  github_repository: githubRepositoryStrategy,
};
