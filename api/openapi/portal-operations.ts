// The customer portal's sessions, customer and grants in /openapi.json (Polar's contract; extensions
// marked). The portal's license keys, downloadables and meters are with their resources.
import { customerSessionCreateSchema } from '../schemas/customers.schemas';
import { listOf, type Operation } from './operation';

export const portalOperations: Operation[] = [
  {
    method: 'post',
    path: '/v1/customer-sessions/',
    summary: 'Create customer session',
    tag: 'customer-sessions',
    body: customerSessionCreateSchema,
    response: 'CustomerSession',
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/customer-portal/customers/me',
    summary: 'Get the session customer',
    tag: 'customer-portal',
    response: 'CustomerPortalCustomer',
    auth: 'customer',
  },
  {
    method: 'get',
    path: '/v1/customer-portal/benefit-grants/',
    summary: "List the customer's grants",
    tag: 'customer-portal',
    response: listOf('CustomerBenefitGrant'),
    auth: 'customer',
  },
  {
    method: 'get',
    path: '/v1/customer-portal/benefit-grants/{id}',
    summary: 'Get a grant',
    tag: 'customer-portal',
    response: 'CustomerBenefitGrant',
    auth: 'customer',
  },
  {
    method: 'patch',
    path: '/v1/customer-portal/benefit-grants/{id}',
    summary: 'Resume a grant by linking an account',
    tag: 'customer-portal',
    response: 'CustomerBenefitGrant',
    auth: 'customer',
  },
];

/** Our extension: what the customer bought, to show grants under product names. */
export const purchasedProductOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/customer-portal/purchased-products/',
    summary: 'Products the customer bought',
    tag: 'customer-portal',
    auth: 'customer',
    extension:
      'Returns `{items: [{id, name, order_ids, subscription_ids}], pagination}`: each product the customer bought, with the orders and subscriptions that bought it, so a portal can show grants (which carry `order_id` / `subscription_id`) under product names.',
  },
];
