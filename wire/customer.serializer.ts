// Customer rows -> Polar 2026-10 wire shapes (CustomerIndividual, CustomerStateIndividual,
// CustomerPortalCustomer, CustomerSession). Every field the spec marks required is present.
import type { CustomerRow, CustomerStateRow } from '../db/repositories/customers.repository';
import type { CustomerSessionRow } from '../db/repositories/customer-sessions.repository';
import type { LinkedAccountPublic } from '../db/repositories/linked-accounts.repository';

/** Rows come from pg (Date) or from json_agg/row_to_json (ISO-ish strings); both become ISO. */
export function isoDate(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function isoRequired(value: Date | string): string {
  return isoDate(value) as string;
}

function address(value: unknown): Record<string, unknown> | null {
  if (!value || typeof value !== 'object') return null;
  const a = value as Record<string, unknown>;
  return {
    line1: a.line1 ?? null,
    line2: a.line2 ?? null,
    postal_code: a.postal_code ?? null,
    city: a.city ?? null,
    state: a.state ?? null,
    country: a.country,
  };
}

/** Tax ids are only emitted when stored in Polar's `[value, format]` form. */
function taxId(value: unknown): [string, string] | null {
  return Array.isArray(value) && value.length === 2 ? [String(value[0]), String(value[1])] : null;
}

/** Polar's `Customer` (individual). Exported for grant, order and subscription serializers. */
export function serializeCustomer(row: CustomerRow): Record<string, unknown> {
  return {
    id: row.id,
    created_at: isoRequired(row.created_at),
    modified_at: isoDate(row.modified_at),
    metadata: row.metadata ?? {},
    external_id: row.external_id ?? null,
    email: row.email,
    email_verified: Boolean(row.email_verified),
    type: 'individual',
    name: row.name ?? null,
    // Not stored separately: Polar falls back to the customer name when no billing name is set.
    billing_name: row.name ?? null,
    billing_address: address(row.billing_address),
    tax_id: taxId(row.tax_id),
    locale: row.locale ?? null,
    organization_id: row.organization_id,
    default_payment_method_id: null,
    deleted_at: isoDate(row.deleted_at),
    first_user_event_at: null,
    avatar_url: null,
  };
}

/** Polar's `CustomerState`: the customer plus what it holds right now. */
export function serializeCustomerState(row: CustomerStateRow): Record<string, unknown> {
  return {
    ...serializeCustomer(row),
    active_subscriptions: row.active_subscriptions,
    granted_benefits: row.granted_benefits,
    active_meters: row.active_meters ?? [],
  };
}

/**
 * Polar's `CustomerPortalCustomer`: what a customer sees of themself, with the accounts they linked
 * keyed by platform (`CustomerPortalOAuthAccount`: no tokens).
 */
export function serializePortalCustomer(row: CustomerRow, linked: LinkedAccountPublic[] = []): Record<string, unknown> {
  return {
    created_at: isoRequired(row.created_at),
    modified_at: isoDate(row.modified_at),
    id: row.id,
    email: row.email,
    email_verified: Boolean(row.email_verified),
    name: row.name ?? null,
    billing_name: row.name ?? null,
    billing_address: address(row.billing_address),
    tax_id: taxId(row.tax_id),
    oauth_accounts: Object.fromEntries(linked.map((a) => [a.platform, { account_id: a.accountId, account_username: a.accountUsername }])),
    default_payment_method_id: null,
    type: 'individual',
    locale: row.locale ?? null,
  };
}

/** Polar's `CustomerSession`; the plain token exists only in this response. */
export function serializeCustomerSession(
  session: CustomerSessionRow,
  token: string,
  customer: CustomerRow,
  portalUrl: string,
): Record<string, unknown> {
  return {
    created_at: isoRequired(session.created_at),
    modified_at: null,
    id: session.id,
    token,
    expires_at: isoRequired(session.expires_at),
    return_url: session.return_url ?? null,
    customer_portal_url: portalUrl,
    customer_id: customer.id,
    customer: serializeCustomer(customer),
  };
}
