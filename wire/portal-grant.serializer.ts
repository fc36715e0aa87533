// Polar's `CustomerBenefitGrant<Type>`: a grant as its customer sees it, embedding the
// `Benefit<Type>Subscriber` (never the organization's `Benefit`) and the grant properties the spec
// gives per type (`BenefitGrant<Type>Properties`). Properties are picked by name, so whatever else a
// strategy keeps on the grant row to undo it (an expiry the engine's timer reads, provider ids)
// stays internal.
import type { PolarBenefitType } from '../benefits/benefit-types';
import type { BenefitRow } from '../db/repositories/benefits.repository';
import type { CustomerRow } from '../db/repositories/customers.repository';
import type { GrantRow } from '../db/repositories/grants.repository';
import { iso } from './benefit.serializer';
import {
  isPolarBenefitType,
  serializeBenefitSubscriber,
  type BenefitSubscriber,
  type BenefitSubscriberOrganization,
} from './benefit-subscriber.serializer';
import { serializePortalCustomer } from './customer.serializer';

/** The fields of each `BenefitGrant<Type>Properties` (all optional in the spec). */
export const GRANT_PROPERTY_FIELDS = {
  custom: [],
  feature_flag: [],
  license_keys: ['user_provided_key', 'license_key_id', 'display_key'],
  discord: ['account_id', 'guild_id', 'role_id', 'granted_account_id'],
  github_repository: ['account_id', 'repository_owner', 'repository_name', 'permission', 'granted_account_id'],
  downloadables: ['files'],
  meter_credit: ['last_credited_meter_id', 'last_credited_units', 'last_credited_at'],
} as const satisfies { [T in PolarBenefitType]: readonly string[] };

export interface CustomerBenefitGrant {
  created_at: string;
  modified_at: string | null;
  id: string;
  granted_at: string | null;
  revoked_at: string | null;
  customer_id: string;
  member_id: string | null;
  benefit_id: string;
  subscription_id: string | null;
  order_id: string | null;
  is_granted: boolean;
  is_revoked: boolean;
  error: GrantRow['error'];
  customer: Record<string, unknown>;
  benefit: BenefitSubscriber;
  properties: Record<string, unknown>;
}

/** `BenefitGrant<Type>Properties`: only the spec's fields that the grant row holds. */
export function grantPropertiesFor(type: string, stored: Record<string, unknown> | null): Record<string, unknown> {
  const fields: readonly string[] = isPolarBenefitType(type) ? GRANT_PROPERTY_FIELDS[type] : [];
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (stored && stored[field] !== undefined) out[field] = stored[field];
  }
  return out;
}

export function serializePortalGrant(
  grant: GrantRow,
  benefit: BenefitRow,
  customer: CustomerRow,
  organization: BenefitSubscriberOrganization,
): CustomerBenefitGrant {
  return {
    created_at: iso(grant.created_at),
    modified_at: grant.modified_at ? iso(grant.modified_at) : null,
    id: grant.id,
    granted_at: grant.granted_at ? iso(grant.granted_at) : null,
    revoked_at: grant.revoked_at ? iso(grant.revoked_at) : null,
    customer_id: grant.customer_id,
    member_id: grant.member_id,
    benefit_id: grant.benefit_id,
    subscription_id: grant.subscription_id,
    order_id: grant.order_id,
    is_granted: grant.granted_at !== null,
    is_revoked: grant.revoked_at !== null,
    error: grant.error ?? null,
    customer: serializePortalCustomer(customer),
    benefit: serializeBenefitSubscriber(benefit, organization),
    properties: grantPropertiesFor(benefit.type, grant.properties),
  };
}
