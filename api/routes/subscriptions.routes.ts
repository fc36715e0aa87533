// /v1/subscriptions: created when the billing system starts one, changed when it cancels or
// renews; the subscription's workflow keeps the benefits in step.
import { Router } from 'express';
import { CustomersRepository } from '../../db/repositories/customers.repository';
import { SubscriptionsRepository } from '../../db/repositories/subscriptions.repository';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { NotFoundError, RequestValidationError } from '../errors';
import { listResource, offsetOf, orderBy } from '../pagination';
import {
  subscriptionCreateBody,
  subscriptionListQuery,
  subscriptionSortColumns,
  subscriptionUpdateBody,
} from '../schemas/commerce.schemas';
import { subscriptionView } from '../../wire/commerce.views';
import { parseBody, parseQuery, pathId } from '../validation';
import { idempotencyKey } from './orders.routes';

export function subscriptionsRoutes(services: ApiServices): Router {
  const commerce = services.commerce;
  const router = Router();
  const subscriptions = new SubscriptionsRepository(services.dataSource);

  router.post(['/subscriptions/', '/subscriptions'], async (req, res) => {
    const orgId = organizationIdOf(res);
    const body = parseBody(subscriptionCreateBody, req);
    let customerId = body.customer_id;
    if (!customerId) {
      const c = await new CustomersRepository(services.dataSource).find(orgId, { externalId: body.external_customer_id! });
      if (!c) throw RequestValidationError.at(['body', 'external_customer_id'], 'Customer not found');
      customerId = c.id as string;
    }
    const { subscription, created } = await commerce.createSubscription(
      orgId,
      { ...body, customer_id: customerId },
      idempotencyKey(req.headers['idempotency-key']),
    );
    res.status(created ? 201 : 200).json(subscription);
  });

  router.get(['/subscriptions/', '/subscriptions'], async (req, res) => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(subscriptionListQuery, req);
    const sort = orderBy(req.query.sorting, subscriptionSortColumns, ['-started_at']);
    const { ids, total } = await subscriptions.list(
      orgId,
      { productIds: q.product_id, customerIds: q.customer_id, active: q.active },
      sort,
      q.limit,
      offsetOf(q),
    );
    const items = await Promise.all(ids.map((id) => subscriptionView(services.dataSource, orgId, id)));
    res.json(listResource(items, total, q));
  });

  router.get('/subscriptions/:id', async (req, res) => {
    const view = await subscriptionView(services.dataSource, organizationIdOf(res), pathId(req, 'id', 'Subscription'));
    if (!view) throw new NotFoundError('Subscription not found');
    res.json(view);
  });

  router.patch('/subscriptions/:id', async (req, res) => {
    const orgId = organizationIdOf(res);
    const id = pathId(req, 'id', 'Subscription');
    const body = parseBody(subscriptionUpdateBody, req);
    if ('revoke' in body) {
      res.json(await commerce.revokeSubscription(orgId, id));
    } else if ('cancel_at_period_end' in body) {
      res.json(
        await commerce.cancelAtPeriodEnd(orgId, id, body.cancel_at_period_end, {
          reason: body.customer_cancellation_reason,
          comment: body.customer_cancellation_comment,
        }),
      );
    } else {
      res.json(await commerce.renewPeriod(orgId, id, new Date(body.current_period_end)));
    }
  });

  router.delete('/subscriptions/:id', async (req, res) => {
    res.json(await commerce.revokeSubscription(organizationIdOf(res), pathId(req, 'id', 'Subscription')));
  });
  return router;
}
