// Customers in /openapi.json, by id and by external id (Polar's contract).
import { customerCreateSchema, customerListQuery, customerUpdateSchema } from '../schemas/customers.schemas';
import { listOf, type Operation } from './operation';

export const customerOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/customers/',
    summary: 'List customers',
    tag: 'customers',
    query: customerListQuery,
    response: listOf('Customer'),
  },
  {
    method: 'post',
    path: '/v1/customers/',
    summary: 'Create customer',
    tag: 'customers',
    body: customerCreateSchema,
    response: 'Customer',
    status: 201,
  },
  { method: 'get', path: '/v1/customers/{id}', summary: 'Get customer', tag: 'customers', response: 'Customer' },
  {
    method: 'patch',
    path: '/v1/customers/{id}',
    summary: 'Update customer',
    tag: 'customers',
    body: customerUpdateSchema,
    response: 'Customer',
  },
  { method: 'delete', path: '/v1/customers/{id}', summary: 'Delete customer (revokes all their grants)', tag: 'customers', status: 204 },
  {
    method: 'get',
    path: '/v1/customers/{id}/state',
    summary: 'Customer state: active subscriptions and granted benefits',
    tag: 'customers',
    response: 'CustomerState',
  },
  {
    method: 'get',
    path: '/v1/customers/external/{external_id}',
    summary: 'Get customer by external id',
    tag: 'customers',
    response: 'Customer',
  },
  {
    method: 'patch',
    path: '/v1/customers/external/{external_id}',
    summary: 'Update customer by external id',
    tag: 'customers',
    response: 'Customer',
  },
  {
    method: 'delete',
    path: '/v1/customers/external/{external_id}',
    summary: 'Delete customer by external id',
    tag: 'customers',
    status: 204,
  },
  {
    method: 'get',
    path: '/v1/customers/external/{external_id}/state',
    summary: 'Customer state by external id',
    tag: 'customers',
    response: 'CustomerState',
  },
];
