// /v1/customer-portal/meters: a customer's own balances (figures and the meter's name only).
import { Router } from 'express';
import { customerMeterSortColumns } from '../../db/repositories/customer-meters.repository';
import { serializePortalCustomerMeter } from '../../wire/meter.serializer';
import type { ApiServices } from '../composition';
import { customerIdOf } from '../customer-auth';
import { NotFoundError } from '../errors';
import { listResource, offsetOf, orderBy } from '../pagination';
import { PORTAL_QUANTITIES_DAYS, portalCustomerMeterListQuery, portalQuantitiesQuery } from '../schemas/meters.schemas';
import { meterQuantities } from './meters.routes';
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
  // Our extension: the customer's own usage of one of their meters (default: the last 30 days, daily).
  router.get('/meters/:id/quantities', async (req, res) => {
    const customerId = customerIdOf(res);
    const row = await figures.find(res.locals.organizationId as string, pathId(req, 'id', 'Customer meter'), customerId);
    if (!row) throw new NotFoundError('Customer meter not found');
    const q = parseQuery(portalQuantitiesQuery, req);
    const end = q.end_timestamp ?? new Date();
    const start = q.start_timestamp ?? new Date(end.getTime() - PORTAL_QUANTITIES_DAYS * 86_400_000);
    res.json(await meterQuantities(services, row.meter, { ...q, start_timestamp: start, end_timestamp: end, customerIds: [customerId] }));
  });
  return router;
}
