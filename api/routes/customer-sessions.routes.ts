// POST /v1/customer-sessions/: mints a customer portal token for one customer of the caller's organization.
import { Router, type Request, type Response } from 'express';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { RequestValidationError } from '../errors';
import { customerSessionCreateSchema } from '../schemas/customers.schemas';
import { serializeCustomerSession } from '../../wire/customer.serializer';
import { parseBody } from '../validation';
import { mintPortalLink } from '../portal-page/portal-link';

export function customerSessionsRoutes(services: ApiServices): Router {
  const router = Router();
  const customers = services.customers;

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
    const { session, token, url } = await mintPortalLink(services.dataSource, services.config, customer, body.return_url ?? null);
    res.status(201).json(serializeCustomerSession(session, token, customer, url));
  };

  router.post(['/customer-sessions/', '/customer-sessions'], create);
  return router;
}
