// Webhook endpoints and deliveries in /openapi.json (Polar's contract).
import {
  webhookDeliveryListQuery,
  webhookEndpointCreateSchema,
  webhookEndpointListQuery,
  webhookEndpointUpdateSchema,
} from '../schemas/webhooks.schemas';
import { listOf, type Operation } from './operation';

export const webhookOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/webhooks/endpoints',
    summary: 'List webhook endpoints',
    tag: 'webhooks',
    query: webhookEndpointListQuery,
    response: listOf('WebhookEndpoint'),
  },
  {
    method: 'post',
    path: '/v1/webhooks/endpoints',
    summary: 'Create webhook endpoint',
    tag: 'webhooks',
    body: webhookEndpointCreateSchema,
    response: 'WebhookEndpoint',
    status: 201,
  },
  { method: 'get', path: '/v1/webhooks/endpoints/{id}', summary: 'Get webhook endpoint', tag: 'webhooks', response: 'WebhookEndpoint' },
  {
    method: 'patch',
    path: '/v1/webhooks/endpoints/{id}',
    summary: 'Update webhook endpoint',
    tag: 'webhooks',
    body: webhookEndpointUpdateSchema,
    response: 'WebhookEndpoint',
  },
  { method: 'delete', path: '/v1/webhooks/endpoints/{id}', summary: 'Delete webhook endpoint', tag: 'webhooks', status: 204 },
  {
    method: 'patch',
    path: '/v1/webhooks/endpoints/{id}/secret',
    summary: 'Reset webhook endpoint secret',
    tag: 'webhooks',
    response: 'WebhookEndpoint',
  },
  {
    method: 'get',
    path: '/v1/webhooks/deliveries',
    summary: 'List webhook deliveries (every attempt)',
    tag: 'webhooks',
    query: webhookDeliveryListQuery,
    response: listOf('WebhookDelivery'),
  },
  { method: 'post', path: '/v1/webhooks/events/{id}/redeliver', summary: 'Redeliver a webhook event', tag: 'webhooks', status: 202 },
];
