// POST /v1/customer-sessions/: mints a customer portal token for one customer of the caller's organization.
import { Router, type Request, type Response } from 'express';
import { CustomerSessionsRepository } from '../../db/repositories/customer-sessions.repository';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { RequestValidationError } from '../errors';
import { customerSessionCreateSchema } from '../schemas/customers.schemas';
import { serializeCustomerSession } from '../../wire/customer.serializer';
import { parseBody } from '../validation';

function publicBaseUrl(services: ApiServices): string {
  const base = services.config.PUBLIC_BASE_URL ?? `http://${services.config.HOST}:${services.config.PORT}`;
  return base.replace(/\/+$/, '');
}

export function customerSessionsRoutes(services: ApiServices): Router {
  const router = Router();
  const customers = services.customers;
  const sessions = new CustomerSessionsRepository(services.dataSource);

  const create = async (req: Request, res: Response): Promise<void> => {
    const orgId = organizationIdOf(res);
    const body = parseBody(customerSessionCreateSchema, req);
    const byId = body.customer_id !== undefined;
    const customer = byId
      ? await customers.find(orgId, { id: body.customer_id as string })
      : await customers.find(orgId, { externalId: body.external_customer_id as string });
    // Polar reports an unknown customer as a validation error on the field that named it.
    if (!customer) {
      throw RequestValidationError.at(['body', byId ? 'customer_id' : 'external_customer_id'], 'Customer does not exist.', 'value_error');
    }
    const { session, token } = await sessions.create(orgId, customer.id, body.return_url ?? null);
    const slug = (await sessions.organizationSlug(orgId)) ?? orgId;
    // Same shape as Polar's portal link; the token in the query is how a portal front end signs in.
    const portalUrl = `${publicBaseUrl(services)}/${encodeURIComponent(slug)}/portal?customer_session_token=${token}`;
    res.status(201).json(serializeCustomerSession(session, token, customer, portalUrl));
  };

  router.post(['/customer-sessions/', '/customer-sessions'], create);
  return router;
}
