// Polar's /v1/customers (by id and by external id), the customer state read, and the portal's
// /customers/me. Handlers validate, call the repository (or the grant engine on delete), respond.
import { Router, type Request, type Response } from 'express';
import type { DataSource } from 'typeorm';
import {
  CustomerConflictError,
  CustomersRepository,
  type CustomerLookup,
  type CustomerRow,
  type CustomerStateReader,
  type CustomerWrite,
} from '../../db/repositories/customers.repository';
import type { RecordedCommand } from '../../db/repositories/engine-commands.repository';
import type { Queryable } from '../../db/repositories/grants.repository';
import { SubscriptionsRepository } from '../../db/repositories/subscriptions.repository';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { customerIdOf } from '../customer-auth';
import { NotFoundError, RequestValidationError } from '../errors';
import { listResource, offsetOf, orderBy } from '../pagination';
import {
  customerCreateSchema,
  customerDeleteQuery,
  customerListQuery,
  customerUpdateExternalSchema,
  customerUpdateSchema,
} from '../schemas/customers.schemas';
import { serializeCustomer, serializeCustomerState, serializePortalCustomer } from '../../wire/customer.serializer';
import { metadataFilter, parseBody, parseQuery, pathId, pathText } from '../validation';

/** Revokes every grant of a deleted customer and ends their subscriptions' workflows. */
export interface CustomerDeletionEngine {
  /** Records, in the deletion's transaction, what the engine must do. */
  customerDeleted(q: Queryable, organizationId: string, customerId: string, endedSubscriptionIds: string[]): Promise<RecordedCommand[]>;
}

export type { CustomerStateReader };

const SORT_COLUMNS = { created_at: 'c.created_at', email: 'lower(c.email)', name: 'c.name' };

const CONFLICT_MESSAGES = {
  email: 'A customer with this email address already exists.',
  external_id: 'A customer with this external ID already exists.',
};

function conflictError(err: CustomerConflictError): RequestValidationError {
  return RequestValidationError.at(['body', err.field], CONFLICT_MESSAGES[err.field], 'value_error');
}

/** Maps a concurrent unique-index hit to the same 422 the pre-check gives. */
async function guarded<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof CustomerConflictError) throw conflictError(err);
    throw err;
  }
}

function lookupOf(req: Request): CustomerLookup {
  if (req.params.external_id !== undefined) return { externalId: pathText(req, 'external_id', 'Customer') };
  return { id: pathId(req, 'id', 'Customer') };
}

async function findOr404(repo: CustomersRepository, orgId: string, where: CustomerLookup): Promise<CustomerRow> {
  const customer = await repo.find(orgId, where);
  if (!customer) throw new NotFoundError('Customer not found');
  return customer;
}

/** The fields of a PATCH that actually change something, with Polar's rules for email and external id. */
function changesOf(current: CustomerRow, body: Record<string, unknown>): CustomerWrite {
  const w: CustomerWrite = {};
  const email = body.email as string | null | undefined;
  if (email && email.toLowerCase() !== current.email.toLowerCase()) {
    w.email = email;
    // A new address has not been proven to belong to the customer.
    w.email_verified = false;
  } else if (email) {
    w.email = email;
  }
  if (body.name !== undefined) w.name = body.name as string | null;
  if (body.metadata !== undefined) w.metadata = body.metadata as Record<string, unknown>;
  if (body.billing_address !== undefined) w.billing_address = body.billing_address;
  if (body.locale !== undefined) w.locale = body.locale as string | null;
  const externalId = body.external_id as string | null | undefined;
  if (externalId !== undefined && externalId !== null && externalId !== current.external_id) {
    if (current.external_id !== null) {
      throw RequestValidationError.at(['body', 'external_id'], 'Customer external ID cannot be updated.', 'value_error');
    }
    w.external_id = externalId;
  }
  return w;
}

function listHandler(repo: CustomersRepository) {
  return async (req: Request, res: Response): Promise<void> => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(customerListQuery, req);
    const order = orderBy(req.query.sorting, SORT_COLUMNS, ['-created_at']);
    // Another organization's id in the filter can only ever match nothing.
    if (q.organization_id && !q.organization_id.includes(orgId)) {
      res.json(listResource([], 0, q));
      return;
    }
    const filters = { email: q.email, query: q.query, active: q.active, metadata: metadataFilter(req.query) };
    const { rows, total } = await repo.list(orgId, filters, order, q.limit, offsetOf(q));
    res.json(listResource(rows.map(serializeCustomer), total, q));
  };
}

function createHandler(repo: CustomersRepository) {
  return async (req: Request, res: Response): Promise<void> => {
    const orgId = organizationIdOf(res);
    const body = parseBody(customerCreateSchema, req);
    if (body.organization_id && body.organization_id !== orgId) {
      throw RequestValidationError.at(
        ['body', 'organization_id'],
        'Setting organization_id is disallowed when using an organization token.',
        'organization_token',
      );
    }
    const write = {
      email: body.email,
      name: body.name ?? null,
      external_id: body.external_id ?? null,
      metadata: body.metadata ?? {},
      billing_address: body.billing_address ?? null,
      locale: body.locale ?? null,
    };
    const conflict = await repo.conflict(orgId, write, null);
    if (conflict) throw conflictError(conflict);
    const customer = await guarded(() => repo.create(orgId, write));
    res.status(201).json(serializeCustomer(customer));
  };
}

function updateHandler(repo: CustomersRepository) {
  return async (req: Request, res: Response): Promise<void> => {
    const orgId = organizationIdOf(res);
    const where = lookupOf(req);
    const schema = 'externalId' in where ? customerUpdateExternalSchema : customerUpdateSchema;
    const body = parseBody(schema, req) as Record<string, unknown>;
    const current = await findOr404(repo, orgId, where);
    const changes = changesOf(current, body);
    const conflict = await repo.conflict(orgId, changes, current.id);
    if (conflict) throw conflictError(conflict);
    const updated = await guarded(() => repo.update(orgId, current.id, changes));
    if (!updated) throw new NotFoundError('Customer not found');
    res.json(serializeCustomer(updated));
  };
}

function deleteHandler(ds: DataSource, repo: CustomersRepository, engine: CustomerDeletionEngine) {
  const subscriptions = new SubscriptionsRepository(ds);
  return async (req: Request, res: Response): Promise<void> => {
    const orgId = organizationIdOf(res);
    const { anonymize } = parseQuery(customerDeleteQuery, req);
    const customer = await findOr404(repo, orgId, lookupOf(req));
    // The customer's deletion, the end of their subscriptions and the engine commands that revoke
    // their grants commit together: none can happen without the others.
    const recorded = await ds.transaction(async (em) => {
      if (!(await repo.softDelete(orgId, customer.id, anonymize ?? false, em))) return null;
      const ended = await subscriptions.endForCustomer(em, orgId, customer.id);
      return engine.customerDeleted(em, orgId, customer.id, ended);
    });
    if (!recorded) throw new NotFoundError('Customer not found');
    res.status(204).end();
  };
}

function stateHandler(state: CustomerStateReader) {
  return async (req: Request, res: Response): Promise<void> => {
    const orgId = organizationIdOf(res);
    const row = await state.state(orgId, lookupOf(req));
    if (!row) throw new NotFoundError('Customer not found');
    res.json(serializeCustomerState(row));
  };
}

export function customersRoutes(services: ApiServices): Router {
  const { dispatcher, customers: repo, customers: state } = services;
  const router = Router();
  const getOne = async (req: Request, res: Response): Promise<void> => {
    res.json(serializeCustomer(await findOr404(repo, organizationIdOf(res), lookupOf(req))));
  };

  router.get(['/customers/', '/customers'], listHandler(repo));
  router.post(['/customers/', '/customers'], createHandler(repo));
  // External-id routes first: `/customers/external/state` must not read as customer "external".
  router.get('/customers/external/:external_id/state', stateHandler(state));
  router.get('/customers/external/:external_id', getOne);
  router.patch('/customers/external/:external_id', updateHandler(repo));
  router.delete('/customers/external/:external_id', deleteHandler(services.dataSource, repo, dispatcher));
  router.get('/customers/:id/state', stateHandler(state));
  router.get('/customers/:id', getOne);
  router.patch('/customers/:id', updateHandler(repo));
  router.delete('/customers/:id', deleteHandler(services.dataSource, repo, dispatcher));
  return router;
}

/** Mounted at /v1/customer-portal behind requireCustomerSession (not the organization token). */
export function customerPortalCustomerRoutes(services: ApiServices): Router {
  const router = Router();
  const repo = services.customers;
  router.get('/customers/me', async (_req, res) => {
    const customer = await findOr404(repo, organizationIdOf(res), { id: customerIdOf(res) });
    res.json(serializePortalCustomer(customer, await services.accountLinking.linkedAccounts(customer.id)));
  });
  return router;
}
