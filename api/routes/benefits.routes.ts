// /v1/benefits: Polar's organization-scoped benefit CRUD. Properties are parsed and validated by
// the type's strategy; changes that matter to existing grants are handed to the grant engine.
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { isSupportedBenefitType } from '../../benefits/benefit-types';
import type { StrategyRegistry } from '../../benefits/registry';
import { PropertiesValidationError, type BenefitStrategy, type ValidationContext } from '../../benefits/strategy';
import { type AfterWrite, BenefitsRepository, type Json } from '../../db/repositories/benefits.repository';
import { WebhookEventsRepository } from '../../db/repositories/webhook-events.repository';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import {
  fromZodError,
  NotFoundError,
  NotPermittedError,
  RequestValidationError,
  ServiceUnavailableError,
  type ValidationIssue,
} from '../errors';
import { RetriableError } from '../../benefits/strategy-errors';
import { listResource, offsetOf, orderBy } from '../pagination';
import {
  benefitCreateBody,
  benefitGrantsQuery,
  benefitListQuery,
  benefitSortColumns,
  benefitUpdateBody,
  CONTRACT_BENEFIT_TYPES,
  type BenefitGrantsReader,
  type BenefitsEngine,
} from '../schemas/benefits.schemas';
import { serializeBenefit } from '../../wire/benefit.serializer';
import { metadataFilter, parseQuery, pathId } from '../validation';

export type { BenefitGrantsReader, BenefitsEngine } from '../schemas/benefits.schemas';

type AnyStrategy = BenefitStrategy<any>;
/** What a strategy's validateProperties may use besides the properties: provider clients, the database. */
type Checks = Omit<ValidationContext, 'organizationId'>;

export function benefitsRoutes(services: ApiServices): Router {
  const webhookEvents = new WebhookEventsRepository(services.dataSource);
  // The event is written in the benefit's own transaction; delivery is kicked after the commit.
  const webhook =
    (type: 'benefit.created' | 'benefit.updated'): AfterWrite =>
    async (em, row) => {
      await webhookEvents.enqueue(em, row.organization_id, type, serializeBenefit(row));
    };
  const h = new BenefitHandlers(
    new BenefitsRepository(services.dataSource),
    services.registry,
    { providers: services.providers, db: services.dataSource },
    services.dispatcher,
    services.grants,
    webhook,
  );
  const router = Router();
  router.get(['/benefits/', '/benefits'], h.list);
  router.post(['/benefits/', '/benefits'], h.create);
  router.get('/benefits/:id', h.get);
  router.patch('/benefits/:id', h.update);
  router.delete('/benefits/:id', h.remove);
  router.get('/benefits/:id/grants', h.grants);
  return router;
}

class BenefitHandlers {
  constructor(
    private readonly repo: BenefitsRepository,
    private readonly registry: StrategyRegistry,
    private readonly checks: Checks,
    private readonly engine: BenefitsEngine,
    private readonly grantsReader: BenefitGrantsReader,
    private readonly webhook: (type: 'benefit.created' | 'benefit.updated') => AfterWrite,
  ) {}

  list = async (req: Request, res: Response) => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(benefitListQuery, req);
    const order = orderBy(req.query.sorting, benefitSortColumns, ['-created_at']);
    const filters = {
      organizationIds: q.organization_id,
      types: q.type,
      ids: q.id,
      excludeIds: q.exclude_id,
      query: q.query,
      metadata: metadataFilter(req.query as Record<string, unknown>),
    };
    const { rows, total } = await this.repo.list(orgId, filters, { limit: q.limit, offset: offsetOf(q) }, order);
    res.json(listResource(rows.map(serializeBenefit), total, q));
  };

  create = async (req: Request, res: Response) => {
    const orgId = organizationIdOf(res);
    const input = await parseCreate(this.registry, this.checks, req, orgId);
    const row = await this.repo.create(orgId, input, this.webhook('benefit.created'));
    await this.engine.kickWebhooks(orgId);
    res.status(201).json(serializeBenefit(row));
  };

  get = async (req: Request, res: Response) => {
    res.json(serializeBenefit(await mustFind(this.repo, req, res)));
  };

  update = async (req: Request, res: Response) => {
    const orgId = organizationIdOf(res);
    const existing = await mustFind(this.repo, req, res);
    const strategy = checkUpdateType(this.registry, req.body?.type, existing.type);
    const patch = await parseUpdate(strategy, this.checks, req, orgId);
    const row = await this.repo.update(orgId, existing.id, patch, async (em, updated) => {
      await this.webhook('benefit.updated')(em, updated);
      // Only changes the strategy says matter reach existing grants (e.g. a new license expiry).
      if (patch.properties && strategy.requiresUpdate(existing.properties, updated.properties)) {
        await this.engine.benefitUpdated(em, orgId, updated.id, existing.properties);
      }
    });
    if (!row) throw new NotFoundError('Benefit not found');
    await this.engine.kickWebhooks(orgId);
    res.json(serializeBenefit(row));
  };

  remove = async (req: Request, res: Response) => {
    const orgId = organizationIdOf(res);
    const existing = await mustFind(this.repo, req, res);
    if (!existing.deletable) throw new NotPermittedError('This benefit cannot be deleted');
    // Polar has no benefit.deleted: the deletion is a benefit.updated with is_deleted. The
    // revocation of its grants commits with it.
    const deleted = await this.repo.softDelete(orgId, existing.id, async (em, row) => {
      await this.webhook('benefit.updated')(em, row);
      await this.engine.benefitDeleted(em, orgId, row.id);
    });
    if (!deleted) throw new NotFoundError('Benefit not found');
    await this.engine.kickWebhooks(orgId);
    res.status(204).end();
  };

  grants = async (req: Request, res: Response) => {
    const orgId = organizationIdOf(res);
    const benefit = await mustFind(this.repo, req, res);
    const q = parseQuery(benefitGrantsQuery, req);
    const filters = { is_granted: q.is_granted, customer_id: q.customer_id, member_id: q.member_id };
    const page = { page: q.page, limit: q.limit };
    const { items, total } = await this.grantsReader.listForBenefit(orgId, benefit.id, filters, page);
    res.json(listResource(items, total, page));
  };
}

async function mustFind(repo: BenefitsRepository, req: Request, res: Response) {
  const orgId = organizationIdOf(res);
  const row = await repo.findById(orgId, pathId(req, 'id', 'Benefit'));
  if (!row) throw new NotFoundError('Benefit not found');
  return row;
}

/** The strategy for a `type` in a create body; unknown and not-yet-supported types are 422. */
function strategyForType(registry: StrategyRegistry, type: unknown): AnyStrategy {
  if (type === undefined) throw RequestValidationError.at(['body', 'type'], 'Field required', 'missing');
  if (typeof type !== 'string' || !(CONTRACT_BENEFIT_TYPES as readonly string[]).includes(type)) {
    const expected = CONTRACT_BENEFIT_TYPES.map((t) => `'${t}'`).join(', ');
    throw RequestValidationError.at(
      ['body', 'type'],
      `Input tag '${String(type)}' found using 'type' does not match any of the expected tags: ${expected}`,
      'union_tag_invalid',
      type,
    );
  }
  if (!isSupportedBenefitType(type)) {
    throw RequestValidationError.at(['body', 'type'], `Benefit type '${type}' is not supported yet`, 'value_error', type);
  }
  return registry[type];
}

function checkUpdateType(registry: StrategyRegistry, type: unknown, existingType: string): AnyStrategy {
  if (type === undefined) throw RequestValidationError.at(['body', 'type'], 'Field required', 'missing');
  if (type !== existingType || !isSupportedBenefitType(existingType)) {
    throw RequestValidationError.at(
      ['body', 'type'],
      `The benefit is of type '${existingType}'; its type cannot be changed`,
      'value_error',
      type,
    );
  }
  return registry[existingType];
}

async function parseCreate(registry: StrategyRegistry, checks: Checks, req: Request, orgId: string) {
  const strategy = strategyForType(registry, req.body?.type);
  const body = benefitCreateBody.safeParse(req.body ?? {});
  const issues = body.success ? [] : fromZodError(body.error, 'body').issues;
  const props = (req.body ?? {}).properties;
  if (props === undefined) issues.push({ loc: ['body', 'properties'], msg: 'Field required', type: 'missing' });
  const parsed = props === undefined ? null : strategy.propertiesSchema.safeParse(props);
  if (parsed && !parsed.success) issues.push(...propertiesIssues(parsed.error));
  if (issues.length || !body.success || !parsed?.success) throw new RequestValidationError(issues);
  const data = body.data;
  if (data.organization_id && data.organization_id !== orgId) {
    throw RequestValidationError.at(
      ['body', 'organization_id'],
      'Setting organization_id is disallowed when using an organization token.',
      'organization_token',
      data.organization_id,
    );
  }
  checkVisibility(data.visibility);
  const properties = await validateProperties(strategy, checks, orgId, parsed.data as Json);
  return { type: strategy.type, description: data.description, metadata: data.metadata ?? {}, properties };
}

async function parseUpdate(strategy: AnyStrategy, checks: Checks, req: Request, orgId: string) {
  const body = benefitUpdateBody.safeParse(req.body ?? {});
  const issues = body.success ? [] : fromZodError(body.error, 'body').issues;
  const props = (req.body ?? {}).properties;
  const parsed = props === undefined || props === null ? null : strategy.propertiesSchema.safeParse(props);
  if (parsed && !parsed.success) issues.push(...propertiesIssues(parsed.error));
  if (issues.length || !body.success) throw new RequestValidationError(issues);
  checkVisibility(body.data.visibility);
  const properties = parsed?.success ? await validateProperties(strategy, checks, orgId, parsed.data as Json) : undefined;
  return { description: body.data.description ?? undefined, metadata: body.data.metadata, properties };
}

/** There is no visibility column yet: only the default is accepted rather than silently dropped. */
function checkVisibility(visibility: string | null | undefined): void {
  if (visibility && visibility !== 'public') {
    throw RequestValidationError.at(['body', 'visibility'], "Only 'public' visibility is supported", 'value_error', visibility);
  }
}

function propertiesIssues(error: z.ZodError): ValidationIssue[] {
  return fromZodError(error, 'body').issues.map((i) => ({ ...i, loc: ['body', 'properties', ...i.loc.slice(1)] }));
}

async function validateProperties(strategy: AnyStrategy, checks: Checks, orgId: string, props: Json): Promise<Json> {
  try {
    return await strategy.validateProperties({ organizationId: orgId, ...checks }, props);
  } catch (err) {
    if (err instanceof PropertiesValidationError) {
      throw RequestValidationError.at(['body', 'properties', ...err.path], err.message);
    }
    // The provider is down or rate-limited: the request may be retried, it is not a server fault.
    if (err instanceof RetriableError) throw new ServiceUnavailableError(Math.ceil((err.retryAfterMs ?? 1000) / 1000));
    throw err;
  }
}
