// Meters, events and balances in /openapi.json (Polar's contract; extensions marked).
import {
  customerMeterListQuery,
  eventListQuery,
  eventNamesQuery,
  eventsIngestBody,
  MAX_EVENTS_PER_INGEST,
  meterCreateBody,
  meterListQuery,
  meterUpdateBody,
  portalCustomerMeterListQuery,
  portalQuantitiesQuery,
  quantitiesQuery,
} from '../schemas/meters.schemas';
import type { Operation } from './operation';

const list = (name: string) => `ListResource_${name}_`;

export const meterOperations: Operation[] = [
  { method: 'get', path: '/v1/meters/', summary: 'List meters', tag: 'meters', query: meterListQuery, response: list('Meter') },
  { method: 'post', path: '/v1/meters/', summary: 'Create meter', tag: 'meters', body: meterCreateBody, response: 'Meter', status: 201 },
  { method: 'get', path: '/v1/meters/{id}', summary: 'Get meter', tag: 'meters', response: 'Meter' },
  {
    method: 'patch',
    path: '/v1/meters/{id}',
    summary: 'Update meter',
    tag: 'meters',
    body: meterUpdateBody,
    response: 'Meter',
    extension:
      "A changed `filter` or `aggregation` recomputes the customers' figures from the stored events in a background workflow (`meter-recompute:{id}:{version}`); balances read meanwhile show the recompute in progress.",
  },
  {
    method: 'get',
    path: '/v1/meters/{id}/quantities',
    summary: 'Get meter quantities',
    tag: 'meters',
    query: quantitiesQuery,
    response: 'MeterQuantities',
    extension: '`customer_aggregation_function` is accepted and ignored: quantities aggregate across all matching events.',
  },
  {
    method: 'post',
    path: '/v1/events/ingest',
    summary: 'Ingest events',
    tag: 'events',
    body: eventsIngestBody,
    response: 'EventsIngestResponse',
    extension: `At most ${MAX_EVENTS_PER_INGEST} events and 1 MB per call; one invalid event answers 422 at \`body.events[i].<field>\` and stores none of the call.`,
  },
  { method: 'get', path: '/v1/events/', summary: 'List events', tag: 'events', query: eventListQuery, response: list('Event') },
  {
    method: 'get',
    path: '/v1/events/names',
    summary: 'List event names',
    tag: 'events',
    query: eventNamesQuery,
    response: list('EventName'),
  },
  { method: 'get', path: '/v1/events/{id}', summary: 'Get event', tag: 'events', response: 'Event' },
  {
    method: 'get',
    path: '/v1/customer-meters/',
    summary: 'List customer meters',
    tag: 'customer_meters',
    query: customerMeterListQuery,
    response: list('CustomerMeter'),
  },
  { method: 'get', path: '/v1/customer-meters/{id}', summary: 'Get customer meter', tag: 'customer_meters', response: 'CustomerMeter' },
  {
    method: 'get',
    path: '/v1/customer-portal/meters/',
    summary: "List the customer's meters",
    tag: 'customer-portal',
    query: portalCustomerMeterListQuery,
    response: list('CustomerCustomerMeter'),
    auth: 'customer',
  },
  {
    method: 'get',
    path: '/v1/customer-portal/meters/{id}',
    summary: "Get one of the customer's meters",
    tag: 'customer-portal',
    response: 'CustomerCustomerMeter',
    auth: 'customer',
  },
  {
    method: 'get',
    path: '/v1/customer-portal/meters/{id}/quantities',
    summary: "Get the customer's usage of one of their meters",
    tag: 'customer-portal',
    query: portalQuantitiesQuery,
    response: 'MeterQuantities',
    auth: 'customer',
    extension:
      "Our extension (the portal page's usage chart): only the session customer's events; `start_timestamp` defaults to 30 days before `end_timestamp` (default: now), `interval` to `day`. Another customer's meter answers 404.",
  },
];
