// The grants of one benefit as the benefits routes list them (GET /v1/benefits/{id}/grants).
import type { DataSource } from 'typeorm';
import { listGrantIds } from '../../db/repositories/grant-list.sql';
import { grantViews } from '../../wire/grant.views';
import { offsetOf, type Page } from '../pagination';
import type { BenefitGrantsReader } from '../schemas/benefits.schemas';

/** The grants of one benefit, for GET /v1/benefits/{id}/grants. */
export function benefitGrantsReader(ds: DataSource): BenefitGrantsReader {
  return {
    async listForBenefit(
      organizationId: string,
      benefitId: string,
      filters: { is_granted?: boolean; customer_id?: string[]; member_id?: string[] },
      page: Page,
    ): Promise<{ items: unknown[]; total: number }> {
      const { ids, total } = await listGrantIds(
        ds,
        organizationId,
        { benefitIds: [benefitId], isGranted: filters.is_granted, customerIds: filters.customer_id, memberIds: filters.member_id },
        'g.created_at DESC',
        page.limit,
        offsetOf(page),
      );
      return { items: await grantViews(ds, ids), total };
    },
  };
}
