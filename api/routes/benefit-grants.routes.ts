// Grant listings: organization-wide (/v1/benefit-grants/) and the reader the benefits routes use
// for /v1/benefits/{id}/grants.
import { Router } from 'express';
import type { DataSource } from 'typeorm';
import { GrantListFilters, listGrantIds } from '../../db/repositories/grants.repository';
import type { AppDeps } from '../app';
import { organizationIdOf } from '../auth';
import { listResource, offsetOf, orderBy, Page } from '../pagination';
import { grantListQuery, grantSortColumns } from '../schemas/commerce.schemas';
import { grantViews } from '../../wire/grant.views';
import { parseQuery } from '../validation';

export function benefitGrantsRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get(['/benefit-grants/', '/benefit-grants'], async (req, res) => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(grantListQuery, req);
    const sort = orderBy(req.query.sorting, grantSortColumns, ['-created_at']);
    const filters: GrantListFilters = { customerIds: q.customer_id, externalCustomerIds: q.external_customer_id, isGranted: q.is_granted };
    const { ids, total } = await listGrantIds(deps.dataSource, orgId, filters, sort, q.limit, offsetOf(q));
    res.json(listResource(await grantViews(deps.dataSource, ids), total, q));
  });
  return router;
}

/** The grants of one benefit, for GET /v1/benefits/{id}/grants. */
export function benefitGrantsReader(ds: DataSource) {
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
