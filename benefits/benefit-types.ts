// Pure module (no I/O): safe to import from workflows.

/** Every type Polar's 2026-10 contract names (slack_shared_channel is out of scope). */
export const ALL_BENEFIT_TYPES = [
  'custom',
  'discord',
  'github_repository',
  'downloadables',
  'license_keys',
  'meter_credit',
  'feature_flag',
] as const;
export type PolarBenefitType = (typeof ALL_BENEFIT_TYPES)[number];

/** The types this service can grant today; each has a strategy in the registry. */
export const BENEFIT_TYPES = [
  'custom',
  'discord',
  'downloadables',
  'feature_flag',
  'github_repository',
  'license_keys',
  'meter_credit',
] as const;
export type BenefitType = (typeof BENEFIT_TYPES)[number];

export function isSupportedBenefitType(t: string): t is BenefitType {
  return (BENEFIT_TYPES as readonly string[]).includes(t);
}
