// Meters and usage events: definitions (a changed filter or aggregation recomputes the figures in
// a workflow), ingestion (all or nothing per call, figures updated in the same statement), and
// the reads the routes shape.
import type { DataSource } from 'typeorm';
import type { z } from 'zod';
import { CustomersRepository } from '../../db/repositories/customers.repository';
import { CustomerMetersRepository } from '../../db/repositories/customer-meters.repository';
import { EventInsert, EventsRepository } from '../../db/repositories/events.repository';
import { MeterRow, MetersRepository } from '../../db/repositories/meters.repository';
import { serializeCustomer } from '../../wire/customer.serializer';
import { serializeEvent } from '../../wire/meter.serializer';
import { fromZodError, NotFoundError, RequestValidationError } from '../errors';
import { eventForCustomer, eventForExternalCustomer, EventInputParsed, meterCreateBody, meterUpdateBody } from '../schemas/meters.schemas';
import { fastEvent } from '../schemas/event-fast-path';
import type { EngineDispatcher } from './engine-dispatcher';

/** Deadlocks between concurrent ingest calls on the same customers are retried this often. */
const DEADLOCK_RETRIES = 5;

export class MetersService {
  readonly meters: MetersRepository;
  readonly events: EventsRepository;
  readonly figures: CustomerMetersRepository;
  private readonly customers: CustomersRepository;
  /** The ingest call each organization is applying (its tail), so the next one waits in turn. */
  private readonly ingesting = new Map<string, Promise<void>>();

  constructor(
    private readonly ds: DataSource,
    private readonly dispatcher: EngineDispatcher,
  ) {
    this.meters = new MetersRepository(ds);
    this.events = new EventsRepository(ds);
    this.figures = new CustomerMetersRepository(ds);
    this.customers = new CustomersRepository(ds);
  }

  async get(orgId: string, id: string): Promise<MeterRow> {
    const meter = await this.meters.find(orgId, id);
    if (!meter) throw new NotFoundError('Meter not found');
    return meter;
  }

  create(orgId: string, body: z.infer<typeof meterCreateBody>): Promise<MeterRow> {
    if (body.organization_id && body.organization_id !== orgId) {
      throw RequestValidationError.at(['body', 'organization_id'], 'Organization not found');
    }
    return this.meters.insert(orgId, {
      name: body.name,
      unit: body.unit,
      custom_label: body.custom_label ?? null,
      custom_multiplier: body.custom_multiplier ?? null,
      filter: body.filter,
      aggregation: body.aggregation,
      metadata: body.metadata ?? {},
    });
  }

  /** A new filter or aggregation zeroes the figures and starts their recompute, in one commit. */
  async update(orgId: string, id: string, body: z.infer<typeof meterUpdateBody>): Promise<MeterRow> {
    const { meter } = await this.ds.transaction(async (em) => {
      const current = await this.meters.find(orgId, id, em, true);
      if (!current) throw new NotFoundError('Meter not found');
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      // Unarchiving recomputes too: events that arrived while archived were counted by no one.
      const redefine =
        (body.filter != null && !same(body.filter, current.filter)) ||
        (body.aggregation != null && !same(body.aggregation, current.aggregation)) ||
        (body.is_archived === false && current.archived_at !== null);
      const meter = await this.meters.update(
        em,
        id,
        {
          name: body.name ?? undefined,
          unit: body.unit ?? undefined,
          custom_label: body.custom_label,
          custom_multiplier: body.custom_multiplier,
          filter: body.filter ?? undefined,
          aggregation: body.aggregation ?? undefined,
          metadata: body.metadata,
          archived: body.is_archived ?? undefined,
        },
        redefine,
      );
      if (!redefine) return { meter, recorded: [] };
      await this.figures.beginRecompute(em, meter);
      return { meter, recorded: [await this.dispatcher.meterRedefined(em, orgId, id, meter.figures_version)] };
    });
    return meter;
  }

  /**
   * Validates every event first (422 at `body.events[i].<field>`, nothing stored), then inserts
   * them and updates the figures in one transaction. Answers inserted and duplicates.
   */
  async ingest(orgId: string, raw: unknown[]): Promise<{ inserted: number; duplicates: number }> {
    const parsed = raw.map((e, i) => {
      const fast = fastEvent(e);
      if (fast) return fast;
      const byId = !!e && typeof e === 'object' && 'customer_id' in e;
      const result = (byId ? eventForCustomer : eventForExternalCustomer).safeParse(e);
      if (!result.success) {
        const issues = fromZodError(result.error, 'body').issues;
        throw new RequestValidationError(issues.map((issue) => ({ ...issue, loc: ['body', 'events', i, ...issue.loc.slice(1)] })));
      }
      const v = result.data;
      if (v.organization_id && v.organization_id !== orgId) {
        throw RequestValidationError.at(['body', 'events', i, 'organization_id'], 'Organization not found');
      }
      return v;
    });
    if (parsed.length === 0) return { inserted: 0, duplicates: 0 };
    const now = new Date();
    return this.oneAtATime(orgId, () => this.store(orgId, parsed, now));
  }

  /**
   * Ingest calls of one organization apply one at a time in this process: they lock the same
   * customers' figure rows, so in PostgreSQL they would wait for each other anyway, inside a
   * statement bounded by the query timeout. Waiting here keeps that wait out of the database.
   */
  private oneAtATime<T>(orgId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.ingesting.get(orgId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.ingesting.set(orgId, tail);
    void tail.then(() => {
      if (this.ingesting.get(orgId) === tail) this.ingesting.delete(orgId);
    });
    return run;
  }

  private async store(orgId: string, parsed: EventInputParsed[], now: Date): Promise<{ inserted: number; duplicates: number }> {
    const ids = [...new Set(parsed.flatMap((e) => ('customer_id' in e ? [e.customer_id] : [])))];
    const externals = [...new Set(parsed.flatMap((e) => ('external_customer_id' in e ? [e.external_customer_id] : [])))];
    for (let attempt = 0; ; attempt++) {
      try {
        const inserted = await this.ds.transaction(async (em) => {
          const found = await this.events.resolveCustomers(em, orgId, ids, externals);
          const byId = new Map(found.map((c) => [c.id, c]));
          const byExternal = new Map(found.filter((c) => c.external_id).map((c) => [c.external_id!, c]));
          const rows: EventInsert[] = parsed.map((e, i) => {
            let customerId: string | null = null;
            let externalCustomerId: string | null = null;
            if ('customer_id' in e) {
              const c = byId.get(e.customer_id);
              if (!c) throw RequestValidationError.at(['body', 'events', i, 'customer_id'], 'Customer not found');
              customerId = c.id;
              externalCustomerId = c.external_id;
            } else {
              // An external customer not created yet is recorded; it counts once it exists as a customer.
              customerId = byExternal.get(e.external_customer_id)?.id ?? null;
              externalCustomerId = e.external_customer_id;
            }
            const parentId = e.parent_id && /^[0-9a-f-]{36}$/i.test(e.parent_id) ? e.parent_id : null;
            return {
              customerId,
              externalCustomerId,
              externalId: e.external_id ?? null,
              parentId,
              name: e.name,
              timestamp: e.timestamp ?? now,
              metadata: e.metadata ?? {},
            };
          });
          const meters = await this.meters.liveForIngest(em, orgId);
          return this.events.ingest(em, orgId, rows, meters);
        });
        return { inserted, duplicates: parsed.length - inserted };
      } catch (err) {
        const code = (err as { code?: string }).code;
        if ((code === '40P01' || code === '40001') && attempt < DEADLOCK_RETRIES) continue;
        throw err;
      }
    }
  }

  /** Events with their customers, serialized. */
  async eventViews(rows: Awaited<ReturnType<EventsRepository['list']>>['rows']): Promise<Record<string, unknown>[]> {
    const ids = [...new Set(rows.flatMap((r) => (r.customer_id ? [r.customer_id] : [])))];
    const customers = new Map((await this.customers.findRows(ids)).map((c) => [c.id, serializeCustomer(c)]));
    return rows.map((r) => serializeEvent(r, r.customer_id ? (customers.get(r.customer_id) ?? null) : null));
  }

  async customerViews(customerIds: string[]): Promise<Map<string, unknown>> {
    const rows = await this.customers.findRows([...new Set(customerIds)]);
    return new Map(rows.map((c) => [c.id, serializeCustomer(c)]));
  }
}
