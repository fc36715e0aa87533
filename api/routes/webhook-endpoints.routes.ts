// Polar's /v1/webhooks/*: endpoint CRUD, secret reset, delivery log and event redelivery.
import { Router, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { WebhookEndpointsRepository } from '../../db/repositories/webhook-endpoints.repository';
import { WebhookEventsRepository } from '../../db/repositories/webhook-events.repository';
import { secretBoxFor } from '../../lib/secret-box';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { NotFoundError, NotPermittedError, RequestValidationError } from '../errors';
import { listResource, offsetOf } from '../pagination';
import {
  webhookDeliveryListQuery,
  webhookEndpointCreateSchema,
  webhookEndpointListQuery,
  webhookEndpointUpdateSchema,
} from '../schemas/webhooks.schemas';
import { serializeWebhookDelivery, serializeWebhookEndpoint } from '../../wire/webhook.serializer';
import { parseBody, parseQuery, pathId } from '../validation';

/** Schedules a fresh delivery of a stored event (a webhook-delivery workflow per endpoint). */
export interface WebhookRedelivery {
  redeliver(organizationId: string, eventId: string): Promise<void>;
}

/** Standard Webhooks secret: `whsec_` + base64 of 32 random bytes (what the SDK's validateEvent decodes). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function endpointNotFound(): NotFoundError {
  return new NotFoundError('Webhook endpoint not found');
}

function createHandler(repo: WebhookEndpointsRepository, maxEndpoints: number) {
  return async (req: Request, res: Response): Promise<void> => {
    const orgId = organizationIdOf(res);
    const body = parseBody(webhookEndpointCreateSchema, req);
    if (body.organization_id && body.organization_id !== orgId) {
      throw RequestValidationError.at(
        ['body', 'organization_id'],
        'Setting organization_id is disallowed when using an organization token.',
        'organization_token',
      );
    }
    const row = await repo.create(
      orgId,
      {
        url: body.url,
        name: body.name ?? null,
        format: body.format,
        events: body.events,
        secret: body.secret ?? newWebhookSecret(),
      },
      maxEndpoints,
    );
    if (!row) throw new NotPermittedError(`An organization can have at most ${maxEndpoints} webhook endpoints`);
    res.status(201).json(serializeWebhookEndpoint(row));
  };
}

function updateHandler(repo: WebhookEndpointsRepository, events: WebhookEventsRepository) {
  return async (req: Request, res: Response): Promise<void> => {
    const orgId = organizationIdOf(res);
    const id = pathId(req, 'id', 'Webhook endpoint');
    const body = parseBody(webhookEndpointUpdateSchema, req);
    // null means "leave as is" for the non-nullable columns, as in Polar's update schema.
    const row = await repo.update(orgId, id, {
      url: body.url ?? undefined,
      name: body.name,
      format: body.format ?? undefined,
      events: body.events ?? undefined,
      enabled: body.enabled ?? undefined,
    });
    if (!row) throw endpointNotFound();
    // A disabled endpoint is not sent what was queued for it, as when delivery disables it.
    if (!row.enabled) await events.skipPending(row.id);
    res.json(serializeWebhookEndpoint(row));
  };
}

function deliveriesHandler(repo: WebhookEndpointsRepository) {
  return async (req: Request, res: Response): Promise<void> => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(webhookDeliveryListQuery, req);
    const filters = {
      endpointIds: q.endpoint_id,
      start: q.start_timestamp,
      end: q.end_timestamp,
      succeeded: q.succeeded,
      query: q.query,
      httpCodeClass: q.http_code_class,
      eventTypes: q.event_type,
    };
    const { rows, total } = await repo.listDeliveries(orgId, filters, q.limit, offsetOf(q));
    res.json(listResource(rows.map(serializeWebhookDelivery), total, q));
  };
}

export function webhookEndpointsRoutes(services: ApiServices): Router {
  const webhooks = services.dispatcher;
  const router = Router();
  const repo = new WebhookEndpointsRepository(services.dataSource, secretBoxFor(services.config.SECRET_ENCRYPTION_KEY));
  const events = new WebhookEventsRepository(services.dataSource);

  router.get(['/webhooks/endpoints', '/webhooks/endpoints/'], async (req, res) => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(webhookEndpointListQuery, req);
    if (q.organization_id && !q.organization_id.includes(orgId)) {
      res.json(listResource([], 0, q));
      return;
    }
    const { rows, total } = await repo.list(orgId, q.limit, offsetOf(q));
    res.json(listResource(rows.map(serializeWebhookEndpoint), total, q));
  });
  router.post(['/webhooks/endpoints', '/webhooks/endpoints/'], createHandler(repo, services.config.WEBHOOK_MAX_ENDPOINTS_PER_ORGANIZATION));
  router.get('/webhooks/endpoints/:id', async (req, res) => {
    const row = await repo.find(organizationIdOf(res), pathId(req, 'id', 'Webhook endpoint'));
    if (!row) throw endpointNotFound();
    res.json(serializeWebhookEndpoint(row));
  });
  router.patch('/webhooks/endpoints/:id', updateHandler(repo, events));
  router.delete('/webhooks/endpoints/:id', async (req, res) => {
    const id = pathId(req, 'id', 'Webhook endpoint');
    if (!(await repo.softDelete(organizationIdOf(res), id))) throw endpointNotFound();
    await events.skipPending(id);
    res.status(204).end();
  });
  router.patch('/webhooks/endpoints/:id/secret', async (req, res) => {
    const row = await repo.update(organizationIdOf(res), pathId(req, 'id', 'Webhook endpoint'), {
      secret: newWebhookSecret(),
    });
    if (!row) throw endpointNotFound();
    res.json(serializeWebhookEndpoint(row));
  });
  router.get(['/webhooks/deliveries', '/webhooks/deliveries/'], deliveriesHandler(repo));
  router.post('/webhooks/events/:id/redeliver', async (req, res) => {
    const orgId = organizationIdOf(res);
    const eventId = pathId(req, 'id', 'Webhook event');
    if (!(await repo.eventExists(orgId, eventId))) throw new NotFoundError('Webhook event not found');
    await webhooks.redeliver(orgId, eventId);
    res.status(202).json(null);
  });
  return router;
}
