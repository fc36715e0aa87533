// /v1/orders: the merchant's billing system reports paid purchases and renewals; each sets the
// grant engine in motion. Refunds: refunds.routes.ts.
import { Router } from 'express';
import { OrdersRepository } from '../../db/repositories/orders.repository';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { NotFoundError, RequestValidationError } from '../errors';
import { listResource, offsetOf, orderBy } from '../pagination';
import { orderCreateBody, orderListQuery, orderSortColumns } from '../schemas/commerce.schemas';
import { orderView } from '../../wire/commerce.views';
import { parseBody, parseQuery, pathId } from '../validation';

export function ordersRoutes(services: ApiServices): Router {
  const commerce = services.commerce;
  const router = Router();
  const orders = new OrdersRepository(services.dataSource);

  router.post(['/orders/', '/orders'], async (req, res) => {
    const orgId = organizationIdOf(res);
    const body = parseBody(orderCreateBody, req);
    if (body.organization_id && body.organization_id !== orgId) {
      throw RequestValidationError.at(['body', 'organization_id'], 'Organization tokens act on their own organization');
    }
    const key = idempotencyKey(req.headers['idempotency-key']);
    const { order, created } = await commerce.recordOrder(orgId, body, key);
    res.status(created ? 201 : 200).json(order);
  });

  router.get(['/orders/', '/orders'], async (req, res) => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(orderListQuery, req);
    const sort = orderBy(req.query.sorting, orderSortColumns, ['-created_at']);
    const { ids, total } = await orders.list(
      orgId,
      { productIds: q.product_id, customerIds: q.customer_id, subscriptionIds: q.subscription_id },
      sort,
      q.limit,
      offsetOf(q),
    );
    const items = await Promise.all(ids.map((id) => orderView(services.dataSource, orgId, id)));
    res.json(listResource(items, total, q));
  });

  router.get('/orders/:id', async (req, res) => {
    const view = await orderView(services.dataSource, organizationIdOf(res), pathId(req, 'id', 'Order'));
    if (!view) throw new NotFoundError('Order not found');
    res.json(view);
  });

  return router;
}

function idempotencyKey(raw: string | string[] | undefined): string | null {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') return null;
  if (value.length > 255) throw RequestValidationError.at(['header', 'idempotency-key'], 'At most 255 characters');
  return value;
}

export { idempotencyKey };
