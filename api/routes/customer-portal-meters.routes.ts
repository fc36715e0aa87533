// /v1/customer-portal/meters: a customer's own balances (figures and the meter's name only).
import { Router } from 'express';
import { customerMeterSortColumns } from '../../db/repositories/customer-meters.repository';
import { serializePortalCustomerMeter } from '../../wire/meter.serializer';
import type { ApiServices } from '../composition';
import { customerIdOf } from '../customer-auth';
import { NotFoundError } from '../errors';
import { listResource, offsetOf, orderBy } from '../pagination';
import { portalCustomerMeterListQuery } from '../schemas/meters.schemas';
import { parseQuery, pathId } from '../validation';

const { customer_id: _c, customer_name: _n, ...portalSortColumns } = customerMeterSortColumns;
void _c;
void _n;

export function customerPortalMetersRoutes(services: ApiServices): Router {
  const figures = services.meters.figures;
  const router = Router();
  router.get(['/meters/', '/meters'], async (req, res) => {
    const q = parseQuery(portalCustomerMeterListQuery, req);
    const sort = orderBy(req.query.sorting, portalSortColumns, ['-modified_at']);
    const orgId = res.locals.organizationId as string;
    const { rows, total } = await figures.list(
      orgId,
      { meterIds: q.meter_id, query: q.query },
      sort,
      q.limit,
      offsetOf(q),
      customerIdOf(res),
    );
    res.json(listResource(rows.map(serializePortalCustomerMeter), total, q));
  });
  router.get('/meters/:id', async (req, res) => {
    const row = await figures.find(res.locals.organizationId as string, pathId(req, 'id', 'Customer meter'), customerIdOf(res));
    if (!row) throw new NotFoundError('Customer meter not found');
    res.json(serializePortalCustomerMeter(row));
  });
  return router;
}
