// Request shapes of /v1/benefits (Polar's BenefitCreate / Benefit*Update / list filters) and the
// interfaces through which the routes reach the grant engine.
import { z } from 'zod';
import { ALL_BENEFIT_TYPES } from '../../benefits/benefit-types';
import type { RecordedCommand } from '../../db/repositories/engine-commands.repository';
import type { Queryable } from '../../db/repositories/grants.repository';
import type { Page } from '../pagination';
import { paginationQuery } from '../pagination';
import { metadataInput, multi, queryBool, safeString, TEXT_LIMITS, uuid } from '../validation';

/** Every type the contract names, including the ones this service cannot grant yet. */
export const CONTRACT_BENEFIT_TYPES = [...ALL_BENEFIT_TYPES, 'slack_shared_channel'] as const;

export const benefitVisibility = z.enum(['draft', 'private', 'public']);

export const benefitListQuery = z.object({
  organization_id: multi(uuid),
  type: multi(z.enum(CONTRACT_BENEFIT_TYPES)),
  id: multi(uuid),
  exclude_id: multi(uuid),
  query: safeString(TEXT_LIMITS.short).optional(),
  ...paginationQuery,
});

/** Sortable fields; Polar's `user_order` has no stored order here, so it follows creation. */
export const benefitSortColumns: Record<string, string> = {
  created_at: 'b.created_at',
  description: 'b.description',
  type: 'b.type',
  user_order: 'b.created_at',
};

const description = safeString(42).min(3);

/** Everything but `properties`, which the type's strategy parses. */
export const benefitCreateBody = z.object({
  type: safeString(TEXT_LIMITS.short),
  description,
  metadata: metadataInput.optional(),
  organization_id: uuid.nullable().optional(),
  visibility: benefitVisibility.nullable().optional(),
  properties: z.unknown(),
});

export const benefitUpdateBody = z.object({
  type: safeString(TEXT_LIMITS.short),
  description: description.nullable().optional(),
  metadata: metadataInput.optional(),
  visibility: benefitVisibility.nullable().optional(),
  properties: z.unknown().optional(),
});

export const benefitGrantsQuery = z.object({
  is_granted: queryBool.optional(),
  customer_id: multi(uuid),
  member_id: multi(uuid),
  ...paginationQuery,
});

/** What the grant engine must do when benefits change (api/services/engine-dispatcher.ts). */
export interface BenefitsEngine {
  /** Records, in the change's transaction: properties changed in a way that matters to existing grants. */
  benefitUpdated(
    q: Queryable,
    organizationId: string,
    benefitId: string,
    previousProperties: Record<string, unknown>,
  ): Promise<RecordedCommand>;
  /** Records, in the deletion's transaction: revoke every grant of the benefit. */
  benefitDeleted(q: Queryable, organizationId: string, benefitId: string): Promise<RecordedCommand>;
  /** Webhook events were queued (benefit.created/updated): start their delivery. */
  kickWebhooks(organizationId: string): Promise<void>;
}

/** The query's own names, as the grants reader takes them. */
export interface BenefitGrantFilters {
  is_granted?: boolean;
  customer_id?: string[];
  member_id?: string[];
}

/** Reads a benefit's grants, serialized as Polar's BenefitGrant (for GET /v1/benefits/{id}/grants). */
export interface BenefitGrantsReader {
  listForBenefit(
    organizationId: string,
    benefitId: string,
    filters: BenefitGrantFilters,
    page: Page,
  ): Promise<{ items: unknown[]; total: number }>;
}
