import type { GrantRow } from '../db/repositories/grants.repository';
import { serializeBenefit } from './benefit.serializer';
import { serializeCustomer } from './customer.serializer';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/** Polar's BenefitGrant: the grant with its customer and benefit embedded. */
export function serializeGrant(grant: GrantRow, benefitRow: any, customerRow: any): Record<string, unknown> {
  return {
    id: grant.id,
    created_at: iso(grant.created_at),
    modified_at: iso(grant.modified_at),
    granted_at: iso(grant.granted_at),
    is_granted: grant.granted_at !== null,
    revoked_at: iso(grant.revoked_at),
    is_revoked: grant.revoked_at !== null,
    subscription_id: grant.subscription_id,
    order_id: grant.order_id,
    customer_id: grant.customer_id,
    member_id: grant.member_id,
    benefit_id: grant.benefit_id,
    error: grant.error ?? null,
    customer: serializeCustomer(customerRow),
    member: null,
    benefit: serializeBenefit(benefitRow),
    properties: grant.properties ?? {},
  };
}
