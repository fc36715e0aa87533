// Loads an order or subscription with what its wire shape embeds (customer, product with
// benefits) and serializes it. Used by the API and by activities building webhook payloads.
import type { DataSource } from 'typeorm';
import { CustomerMetersRepository } from '../db/repositories/customer-meters.repository';
import { CustomersRepository, type CustomerRow } from '../db/repositories/customers.repository';
import type { Queryable } from '../db/repositories/grants.repository';
import { OrdersRepository, type OrderRow } from '../db/repositories/orders.repository';
import { ProductsRepository, type ProductRow } from '../db/repositories/products.repository';
import type { BenefitRow } from '../db/repositories/benefits.repository';
import { SubscriptionsRepository } from '../db/repositories/subscriptions.repository';
import { serializeCustomer } from './customer.serializer';
import { serializeOrder } from './order.serializer';
import { serializeProduct } from './product.serializer';
import { serializeSubscriptionMeter } from './meter.serializer';
import { serializeSubscription } from './subscription.serializer';

/**
 * The repositories a view reads through. Views run on a DataSource or inside a transaction's
 * EntityManager, so every call below passes `q` and the repositories' own source is never used.
 */
function repos(q: Queryable) {
  const ds = q as DataSource;
  return {
    customers: new CustomersRepository(ds),
    products: new ProductsRepository(ds),
    orders: new OrdersRepository(ds),
    subscriptions: new SubscriptionsRepository(ds),
    customerMeters: new CustomerMetersRepository(ds),
  };
}

async function customerOf(q: Queryable, id: string) {
  return serializeCustomer((await repos(q).customers.findRow(id, q))!);
}

export async function productView(q: Queryable, productId: string | null) {
  if (!productId) return null;
  const products = repos(q).products;
  const row = await products.findRow(productId, q);
  if (!row) return null;
  return serializeProduct(row, await products.liveBenefits(productId, q));
}

/** A new purchase's view from the rows the request holds (the order about to be written, its product, benefits and customer). */
export function purchaseView(order: OrderRow, product: ProductRow, customer: CustomerRow, benefits: BenefitRow[]) {
  return serializeOrder(order, serializeCustomer(customer), serializeProduct(product, benefits), null);
}

export async function subscriptionView(q: Queryable, organizationId: string, id: string) {
  const r = repos(q);
  const s = await r.subscriptions.findById(organizationId, id, q);
  if (!s) return null;
  const meters = (await r.customerMeters.forSubscription(s.id, q)).map(serializeSubscriptionMeter);
  return serializeSubscription(s, await customerOf(q, s.customer_id), await productView(q, s.product_id), meters);
}

export async function orderView(q: Queryable, organizationId: string, id: string) {
  const r = repos(q);
  const o = await r.orders.findById(organizationId, id, q);
  if (!o) return null;
  const sub = o.subscription_id ? await r.subscriptions.findRow(o.subscription_id, q) : null;
  return serializeOrder(o, await customerOf(q, o.customer_id), await productView(q, o.product_id), sub ?? null);
}
