// /v1/refunds: the merchant's billing system reports refunds (stored, listed, recorded once).
import { Router } from 'express';
import { RefundsRepository } from '../../db/repositories/refunds.repository';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { listResource, offsetOf, orderBy } from '../pagination';
import { refundCreateBody } from '../schemas/commerce.schemas';
import { refundListQuery, refundSortColumns } from '../schemas/refunds.schemas';
import { serializeRefund } from '../../wire/refund.serializer';
import { parseBody, parseQuery } from '../validation';
import { idempotencyKey } from './orders.routes';

export function refundsRoutes(services: ApiServices): Router {
  const commerce = services.commerce;
  const router = Router();
  const refunds = new RefundsRepository(services.dataSource);

  router.get(['/refunds/', '/refunds'], async (req, res) => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(refundListQuery, req);
    const sort = orderBy(req.query.sorting, refundSortColumns, ['-created_at']);
    // Organization tokens see their own organization only: another organization's id matches nothing.
    if (q.organization_id && !q.organization_id.includes(orgId)) {
      res.json(listResource([], 0, q));
      return;
    }
    const { rows, total } = await refunds.list(
      orgId,
      {
        ids: q.id,
        orderIds: q.order_id,
        subscriptionIds: q.subscription_id,
        customerIds: q.customer_id,
        externalCustomerIds: q.external_customer_id,
        succeeded: q.succeeded,
      },
      sort,
      q.limit,
      offsetOf(q),
    );
    res.json(listResource(rows.map(serializeRefund), total, q));
  });

  // A retry (same Idempotency-Key, or the identical request) answers 201 with the refund already recorded.
  router.post(['/refunds/', '/refunds'], async (req, res) => {
    const orgId = organizationIdOf(res);
    const body = parseBody(refundCreateBody, req);
    const { refund } = await commerce.refund(orgId, body, idempotencyKey(req.headers['idempotency-key']));
    res.status(201).json(serializeRefund(refund));
  });
  return router;
}
