// Loads an order or subscription with what its wire shape embeds (customer, product with
// benefits) and serializes it. Used by the API and by activities building webhook payloads.
import type { BenefitRow } from '../db/repositories/benefits.repository';
import { customerColumns } from '../db/repositories/customers.repository';
import type { Queryable } from '../db/repositories/grants.repository';
import type { ProductRow } from '../db/repositories/products.repository';
import { serializeCustomer } from './customer.serializer';
import { serializeOrder } from './order.serializer';
import { serializeProduct } from './product.serializer';
import { serializeSubscription } from './subscription.serializer';

async function customerOf(q: Queryable, id: string) {
  const [row] = await q.query(`SELECT ${customerColumns()} FROM customers c WHERE c.id = $1`, [id]);
  return serializeCustomer(row);
}

export async function productView(q: Queryable, productId: string | null) {
  if (!productId) return null;
  const [row]: ProductRow[] = await q.query(`SELECT * FROM products WHERE id = $1`, [productId]);
  if (!row) return null;
  const benefits: BenefitRow[] = await q.query(
    `SELECT b.* FROM product_benefits pb JOIN benefits b ON b.id = pb.benefit_id
      WHERE pb.product_id = $1 AND b.deleted_at IS NULL ORDER BY pb.position`,
    [productId],
  );
  return serializeProduct(row, benefits);
}

export async function subscriptionView(q: Queryable, organizationId: string, id: string) {
  const [s] = await q.query(`SELECT * FROM subscriptions WHERE id = $1 AND organization_id = $2`, [id, organizationId]);
  if (!s) return null;
  return serializeSubscription(s, await customerOf(q, s.customer_id), await productView(q, s.product_id));
}

export async function orderView(q: Queryable, organizationId: string, id: string) {
  const [o] = await q.query(`SELECT * FROM orders WHERE id = $1 AND organization_id = $2`, [id, organizationId]);
  if (!o) return null;
  const [sub] = o.subscription_id ? await q.query(`SELECT * FROM subscriptions WHERE id = $1`, [o.subscription_id]) : [null];
  return serializeOrder(o, await customerOf(q, o.customer_id), await productView(q, o.product_id), sub ?? null);
}
