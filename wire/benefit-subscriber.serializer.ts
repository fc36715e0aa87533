// Polar's customer-facing benefit (`Benefit<Type>Subscriber`): the spec gives each type its own
// `*SubscriberProperties`, a strict subset of what the merchant configured. Each type's shape is
// built field by field from the stored properties (never by copying and deleting), so a secret or
// merchant-only field a type adds later (a Discord `guild_token`, a GitHub `permission`, archived
// files) cannot reach a customer by default. Types without a strategy yet are defined here so they
// are ready when they arrive.
import type { PolarBenefitType } from '../benefits/benefit-types';
import type { BenefitRow } from '../db/repositories/benefits.repository';
import { iso } from './benefit.serializer';

export interface BenefitCustomSubscriberProperties {
  note: string | null;
}
export type BenefitFeatureFlagSubscriberProperties = Record<string, never>;
export interface BenefitLicenseKeysSubscriberProperties {
  prefix: string | null;
  expires: { ttl: number; timeframe: 'year' | 'month' | 'day' } | null;
  activations: { limit: number; enable_customer_admin: boolean } | null;
  limit_usage: number | null;
}
export interface BenefitDiscordSubscriberProperties {
  guild_id: string;
}
export interface BenefitGitHubRepositorySubscriberProperties {
  repository_owner: string;
  repository_name: string;
}
export interface BenefitDownloadablesSubscriberProperties {
  active_files: string[];
}
export interface BenefitMeterCreditSubscriberProperties {
  units: number;
  rollover: boolean;
  meter_id: string;
}

export interface SubscriberPropertiesByType {
  custom: BenefitCustomSubscriberProperties;
  feature_flag: BenefitFeatureFlagSubscriberProperties;
  license_keys: BenefitLicenseKeysSubscriberProperties;
  discord: BenefitDiscordSubscriberProperties;
  github_repository: BenefitGitHubRepositorySubscriberProperties;
  downloadables: BenefitDownloadablesSubscriberProperties;
  meter_credit: BenefitMeterCreditSubscriberProperties;
}

/** Polar's `BenefitSubscriberOrganization`. */
export interface BenefitSubscriberOrganization {
  created_at: string;
  modified_at: string | null;
  id: string;
  name: string;
  slug: string;
  avatar_url: string | null;
  proration_behavior: 'invoice';
  allow_customer_updates: boolean;
}

export interface BenefitSubscriber<T extends PolarBenefitType = PolarBenefitType> {
  id: string;
  created_at: string;
  modified_at: string | null;
  type: T;
  description: string;
  selectable: boolean;
  deletable: boolean;
  is_deleted: boolean;
  organization_id: string;
  organization: BenefitSubscriberOrganization;
  properties: SubscriberPropertiesByType[T];
}

// Stored properties as the merchant configured them (Polar's Benefit<Type>Properties).
type Stored = Record<string, any>;

/** One picker per type; a type missing here fails to compile. */
const subscriberProperties: { [T in PolarBenefitType]: (p: Stored) => SubscriberPropertiesByType[T] } = {
  custom: (p) => ({ note: p.note ?? null }),
  feature_flag: () => ({}),
  license_keys: (p) => ({
    prefix: p.prefix ?? null,
    expires: p.expires ?? null,
    activations: p.activations ?? null,
    limit_usage: p.limit_usage ?? null,
  }),
  // Not guild_token or role_id: the bot token and the role are the merchant's.
  discord: (p) => ({ guild_id: p.guild_id }),
  // Not permission: the customer sees which repository, not the access level configured.
  github_repository: (p) => ({ repository_owner: p.repository_owner, repository_name: p.repository_name }),
  // Archived files stay with the merchant: only the files still offered are listed.
  downloadables: (p) => ({
    active_files: ((p.files ?? []) as string[]).filter((file) => !(p.archived ?? {})[file]),
  }),
  meter_credit: (p) => ({ units: p.units, rollover: p.rollover, meter_id: p.meter_id }),
};

export function isPolarBenefitType(t: string): t is PolarBenefitType {
  return Object.prototype.hasOwnProperty.call(subscriberProperties, t);
}

/** Organization row as the portal shows it. */
export function serializeSubscriberOrganization(org: {
  id: string;
  name: string;
  slug: string;
  created_at: Date | string;
  modified_at: Date | string | null;
  avatar_url?: unknown;
}): BenefitSubscriberOrganization {
  return {
    created_at: iso(org.created_at),
    modified_at: org.modified_at ? iso(org.modified_at) : null,
    id: org.id,
    name: org.name,
    slug: org.slug,
    avatar_url: typeof org.avatar_url === 'string' ? org.avatar_url : null,
    proration_behavior: 'invoice',
    allow_customer_updates: true,
  };
}

/** Polar's `Benefit<Type>Subscriber`; a type the contract does not name shows no properties. */
export function serializeBenefitSubscriber(row: BenefitRow, organization: BenefitSubscriberOrganization): BenefitSubscriber {
  const properties = isPolarBenefitType(row.type) ? subscriberProperties[row.type](row.properties ?? {}) : {};
  return {
    id: row.id,
    created_at: iso(row.created_at),
    modified_at: row.modified_at ? iso(row.modified_at) : null,
    type: row.type as PolarBenefitType,
    description: row.description,
    selectable: row.selectable,
    deletable: row.deletable,
    is_deleted: row.deleted_at !== null,
    organization_id: row.organization_id,
    organization,
    properties: properties as SubscriberPropertiesByType[PolarBenefitType],
  };
}
