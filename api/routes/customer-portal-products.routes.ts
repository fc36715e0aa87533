// GET /v1/customer-portal/purchased-products/ (extension): the products the customer bought, each
// with the orders and subscriptions that bought it, so the portal page can group grants (which
// carry order_id / subscription_id) under product names without Polar's full order shapes.
import { Router } from 'express';
import { ProductsRepository } from '../../db/repositories/products.repository';
import type { ApiServices } from '../composition';
import { customerIdOf } from '../customer-auth';

export function customerPortalProductsRoutes(services: ApiServices): Router {
  const products = new ProductsRepository(services.dataSource);
  const router = Router();
  router.get(['/purchased-products/', '/purchased-products'], async (_req, res) => {
    const items = await products.purchasedBy(res.locals.organizationId as string, customerIdOf(res));
    res.json({ items, pagination: { total_count: items.length, max_page: 1 } });
  });
  return router;
}
