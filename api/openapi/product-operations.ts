// Products in /openapi.json (Polar's contract).
import { productBenefitsBody, productCreateBody, productListQuery, productUpdateBody } from '../schemas/products.schemas';
import { listOf, type Operation } from './operation';

export const productOperations: Operation[] = [
  { method: 'get', path: '/v1/products/', summary: 'List products', tag: 'products', query: productListQuery, response: listOf('Product') },
  {
    method: 'post',
    path: '/v1/products/',
    summary: 'Create product',
    tag: 'products',
    body: productCreateBody,
    response: 'Product',
    status: 201,
  },
  { method: 'get', path: '/v1/products/{id}', summary: 'Get product', tag: 'products', response: 'Product' },
  { method: 'patch', path: '/v1/products/{id}', summary: 'Update product', tag: 'products', body: productUpdateBody, response: 'Product' },
  {
    method: 'post',
    path: '/v1/products/{id}/benefits',
    summary: "Set a product's benefits (existing holders are reconciled)",
    tag: 'products',
    body: productBenefitsBody,
    response: 'Product',
  },
];
