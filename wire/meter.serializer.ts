// Polar's Meter, Event, CustomerMeter and CustomerCustomerMeter shapes.
import type { CustomerMeterRow } from '../db/repositories/customer-meters.repository';
import type { EventRow } from '../db/repositories/events.repository';
import type { MeterRow } from '../db/repositories/meters.repository';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export function serializeMeter(m: MeterRow): Record<string, unknown> {
  return {
    metadata: m.metadata ?? {},
    created_at: iso(m.created_at),
    modified_at: iso(m.modified_at),
    id: m.id,
    name: m.name,
    unit: m.unit,
    custom_label: m.custom_label ?? null,
    custom_multiplier: m.custom_multiplier ?? null,
    filter: m.filter,
    aggregation: m.aggregation,
    organization_id: m.organization_id,
    archived_at: iso(m.archived_at),
  };
}

const SYSTEM_LABELS: Record<string, string> = { 'meter.credited': 'Meter credited', 'meter.reset': 'Meter reset' };

/** `customer` is the serialized Customer (or null when the event names no known customer). */
export function serializeEvent(e: EventRow, customer: unknown): Record<string, unknown> {
  return {
    id: e.id,
    timestamp: iso(e.timestamp),
    organization_id: e.organization_id,
    customer_id: e.customer_id,
    customer: customer ?? null,
    external_customer_id: e.external_customer_id,
    member_id: null,
    external_member_id: null,
    child_count: e.child_count ?? 0,
    parent_id: e.parent_id,
    label: e.source === 'system' ? (SYSTEM_LABELS[e.name] ?? e.name) : e.name,
    name: e.name,
    source: e.source,
    metadata: e.metadata ?? {},
  };
}

function figures(r: CustomerMeterRow) {
  return {
    id: r.id,
    created_at: iso(r.created_at),
    modified_at: iso(r.modified_at),
    customer_id: r.customer_id,
    meter_id: r.meter_id,
    consumed_units: Number(r.consumed_units),
    credited_units: Number(r.credited_units),
    balance: Number(r.balance),
  };
}

export function serializeCustomerMeter(r: CustomerMeterRow, customer: unknown): Record<string, unknown> {
  return { ...figures(r), customer, meter: serializeMeter(r.meter) };
}

/** What a customer sees: the figures and the meter's name, nothing of its definition. */
export function serializePortalCustomerMeter(r: CustomerMeterRow): Record<string, unknown> {
  const m = r.meter;
  return { ...figures(r), meter: { created_at: iso(m.created_at), modified_at: iso(m.modified_at), id: m.id, name: m.name } };
}

/** CustomerStateMeter: the figures without customer or meter objects. */
export function serializeCustomerStateMeter(r: CustomerMeterRow): Record<string, unknown> {
  const { customer_id: _customer, ...rest } = figures(r);
  void _customer;
  return rest;
}

/** SubscriptionMeter: the subscription's credited meters (no usage billing here: amount 0). */
export function serializeSubscriptionMeter(r: CustomerMeterRow): Record<string, unknown> {
  return {
    created_at: iso(r.created_at),
    modified_at: iso(r.modified_at),
    id: r.id,
    consumed_units: Number(r.consumed_units),
    credited_units: Number(r.credited_units),
    amount: 0,
    meter_id: r.meter_id,
    meter: serializeMeter(r.meter),
  };
}
