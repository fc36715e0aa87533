// /v1/meters, /v1/events and /v1/customer-meters: Polar's usage API for an organization.
import { Router } from 'express';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { NotFoundError, RequestValidationError } from '../errors';
import { listResource, offsetOf, orderBy } from '../pagination';
import {
  customerMeterListQuery,
  eventListQuery,
  eventNameSortColumns,
  eventNamesQuery,
  eventSortColumns,
  eventsIngestBody,
  meterCreateBody,
  meterFilterSchema,
  meterListQuery,
  meterSortColumns,
  meterUpdateBody,
  quantitiesQuery,
} from '../schemas/meters.schemas';
import { customerMeterSortColumns } from '../../db/repositories/customer-meters.repository';
import { serializeCustomerMeter, serializeMeter } from '../../wire/meter.serializer';
import type { MeterRow } from '../../db/repositories/meters.repository';
import { metadataFilter, parseBody, parseQuery, pathId } from '../validation';

/** One quantities answer holds at most this many intervals (an hourly year is 8,784). */
const MAX_QUANTITY_BUCKETS = 10_000;
const HOUR_MS = 3_600_000;
const INTERVAL_MS = { hour: HOUR_MS, day: 24 * HOUR_MS, week: 168 * HOUR_MS, month: 28 * 24 * HOUR_MS, year: 365 * 24 * HOUR_MS };

/** A meter's usage per interval in Polar's MeterQuantities shape, the range checked first (422 at the field). */
export async function meterQuantities(
  services: ApiServices,
  meter: MeterRow,
  q: {
    start_timestamp: Date;
    end_timestamp: Date;
    interval: keyof typeof INTERVAL_MS;
    timezone: string;
    customerIds?: string[];
    externalCustomerIds?: string[];
  },
): Promise<{ quantities: { timestamp: string; quantity: number }[]; total: number }> {
  if (q.end_timestamp < q.start_timestamp)
    throw RequestValidationError.at(['query', 'end_timestamp'], 'Must not be before start_timestamp');
  const buckets = (q.end_timestamp.getTime() - q.start_timestamp.getTime()) / INTERVAL_MS[q.interval];
  if (buckets > MAX_QUANTITY_BUCKETS) {
    throw RequestValidationError.at(['query', 'interval'], `At most ${MAX_QUANTITY_BUCKETS} intervals between start and end`);
  }
  const out = await services.meters.meters
    .quantities(meter, {
      start: q.start_timestamp,
      end: q.end_timestamp,
      interval: q.interval,
      timezone: q.timezone,
      customerIds: q.customerIds,
      externalCustomerIds: q.externalCustomerIds,
    })
    .catch((err) => {
      // A zone the runtime knows and PostgreSQL does not (22023): the caller's input.
      if ((err as { code?: string }).code === '22023') throw RequestValidationError.at(['query', 'timezone'], 'Unknown time zone');
      throw err;
    });
  return { quantities: out.quantities.map((x) => ({ timestamp: x.timestamp.toISOString(), quantity: x.quantity })), total: out.total };
}

export function metersRoutes(services: ApiServices): Router {
  const svc = services.meters;
  const router = Router();

  router.get(['/meters/', '/meters'], async (req, res) => {
    const q = parseQuery(meterListQuery, req);
    const sort = orderBy(req.query.sorting, meterSortColumns, ['-created_at']);
    const filters = { query: q.query, isArchived: q.is_archived, metadata: metadataFilter(req.query) };
    const { rows, total } = await svc.meters.list(organizationIdOf(res), filters, sort, q.limit, offsetOf(q));
    res.json(listResource(rows.map(serializeMeter), total, q));
  });
  router.post(['/meters/', '/meters'], async (req, res) => {
    const meter = await svc.create(organizationIdOf(res), parseBody(meterCreateBody, req));
    res.status(201).json(serializeMeter(meter));
  });
  router.get('/meters/:id', async (req, res) => {
    res.json(serializeMeter(await svc.get(organizationIdOf(res), pathId(req, 'id', 'Meter'))));
  });
  router.patch('/meters/:id', async (req, res) => {
    const body = parseBody(meterUpdateBody, req);
    res.json(serializeMeter(await svc.update(organizationIdOf(res), pathId(req, 'id', 'Meter'), body)));
  });
  router.get('/meters/:id/quantities', async (req, res) => {
    const meter = await svc.get(organizationIdOf(res), pathId(req, 'id', 'Meter'));
    const q = parseQuery(quantitiesQuery, req);
    res.json(
      await meterQuantities(services, meter, {
        ...q,
        customerIds: q.customer_id,
        externalCustomerIds: q.external_customer_id,
      }),
    );
  });

  router.post(['/events/ingest', '/events/ingest/'], async (req, res) => {
    const body = parseBody(eventsIngestBody, req);
    res.json(await svc.ingest(organizationIdOf(res), body.events));
  });
  router.get(['/events/', '/events'], async (req, res) => {
    const orgId = organizationIdOf(res);
    const q = parseQuery(eventListQuery, req);
    const sort = orderBy(req.query.sorting, eventSortColumns, ['-timestamp']);
    let meterFilter = q.meter_id ? (await svc.get(orgId, q.meter_id)).filter : undefined;
    if (q.filter) {
      let json: unknown;
      try {
        json = JSON.parse(q.filter);
      } catch {
        throw RequestValidationError.at(['query', 'filter'], 'Invalid JSON');
      }
      const parsed = meterFilterSchema.safeParse(json);
      if (!parsed.success) throw RequestValidationError.at(['query', 'filter'], parsed.error.issues[0].message);
      meterFilter = meterFilter ? { conjunction: 'and', clauses: [meterFilter, parsed.data] } : parsed.data;
    }
    const filters = {
      customerIds: q.customer_id,
      externalCustomerIds: q.external_customer_id,
      names: q.name,
      sources: q.source,
      start: q.start_timestamp,
      end: q.end_timestamp,
      meterFilter,
      parentId: q.parent_id,
      query: q.query,
      metadata: metadataFilter(req.query),
    };
    const { rows, total } = await svc.events.list(orgId, filters, sort, q.limit, offsetOf(q));
    res.json(listResource(await svc.eventViews(rows), total, q));
  });
  router.get(['/events/names', '/events/names/'], async (req, res) => {
    const q = parseQuery(eventNamesQuery, req);
    const sort = orderBy(req.query.sorting, eventNameSortColumns, ['-last_seen']);
    const filters = { customerIds: q.customer_id, externalCustomerIds: q.external_customer_id, sources: q.source, query: q.query };
    const { rows, total } = await svc.events.names(organizationIdOf(res), filters, sort, q.limit, offsetOf(q));
    const items = rows.map((r) => ({
      name: r.name,
      label: r.name,
      source: r.source,
      occurrences: r.occurrences,
      first_seen: new Date(r.first_seen).toISOString(),
      last_seen: new Date(r.last_seen).toISOString(),
    }));
    res.json(listResource(items, total, q));
  });
  router.get('/events/:id', async (req, res) => {
    const row = await svc.events.find(organizationIdOf(res), pathId(req, 'id', 'Event'));
    if (!row) throw new NotFoundError('Event not found');
    res.json((await svc.eventViews([row]))[0]);
  });

  router.get(['/customer-meters/', '/customer-meters'], async (req, res) => {
    const q = parseQuery(customerMeterListQuery, req);
    const sort = orderBy(req.query.sorting, customerMeterSortColumns, ['-modified_at']);
    const filters = { customerIds: q.customer_id, externalCustomerIds: q.external_customer_id, meterIds: q.meter_id };
    const { rows, total } = await svc.figures.list(organizationIdOf(res), filters, sort, q.limit, offsetOf(q));
    const customers = await svc.customerViews(rows.map((r) => r.customer_id));
    res.json(
      listResource(
        rows.map((r) => serializeCustomerMeter(r, customers.get(r.customer_id))),
        total,
        q,
      ),
    );
  });
  router.get('/customer-meters/:id', async (req, res) => {
    const row = await svc.figures.find(organizationIdOf(res), pathId(req, 'id', 'Customer meter'));
    if (!row) throw new NotFoundError('Customer meter not found');
    const customers = await svc.customerViews([row.customer_id]);
    res.json(serializeCustomerMeter(row, customers.get(row.customer_id)));
  });
  return router;
}
