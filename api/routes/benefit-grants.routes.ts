// Grant listings: organization-wide (/v1/benefit-grants/).
import { Router } from 'express';
import { GrantListFilters, listGrantIds } from '../../db/repositories/grant-list.sql';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { listResource, offsetOf, orderBy } from '../pagination';
import { grantListQuery, grantSortColumns } from '../schemas/commerce.schemas';
import { grantViews } from '../../wire/grant.views';
import { grantHistory } from '../services/grant-history.service';
import { parseQuery, pathId } from '../validation';

export function benefitGrantsRoutes(services: ApiServices): Router {
  const router = Router();
  router.get(['/benefit-grants/', '/benefit-grants'], async (req, res) => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(grantListQuery, req);
    const sort = orderBy(req.query.sorting, grantSortColumns, ['-created_at']);
    const filters: GrantListFilters = { customerIds: q.customer_id, externalCustomerIds: q.external_customer_id, isGranted: q.is_granted };
    const { ids, total } = await listGrantIds(services.dataSource, orgId, filters, sort, q.limit, offsetOf(q));
    res.json(listResource(await grantViews(services.dataSource, ids), total, q));
  });

  // Extension: every transition and provider call of one grant (see grant-history.service.ts).
  router.get('/benefit-grants/:id/history', async (req, res) => {
    const id = pathId(req, 'id', 'Benefit grant');
    res.json(await grantHistory(services.dataSource, services.engineClient, organizationIdOf(res), id));
  });
  return router;
}
