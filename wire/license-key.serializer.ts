// License key rows -> Polar 2026-10 wire shapes: LicenseKeyRead, LicenseKeyWithActivations,
// ValidatedLicenseKey, LicenseKeyActivationBase / LicenseKeyActivationRead.
import { displayKey } from '../benefits/license-keys/license-key-format';
import type { ActivationRow, KeyWithCustomer } from '../db/repositories/license-keys.repository';
import { isoDate, serializeCustomer } from './customer.serializer';

export function serializeLicenseKey(row: KeyWithCustomer): Record<string, unknown> {
  return {
    id: row.id,
    created_at: isoDate(row.created_at),
    modified_at: isoDate(row.modified_at),
    organization_id: row.organization_id,
    customer_id: row.customer_id,
    customer: serializeCustomer(row.customer),
    benefit_id: row.benefit_id,
    key: row.key,
    display_key: displayKey(row.key),
    status: row.status,
    limit_activations: row.limit_activations ?? null,
    usage: Number(row.usage),
    limit_usage: row.limit_usage ?? null,
    validations: Number(row.validations),
    last_validated_at: isoDate(row.last_validated_at),
    expires_at: isoDate(row.expires_at),
  };
}

export function serializeActivation(a: ActivationRow): Record<string, unknown> {
  return {
    id: a.id,
    license_key_id: a.license_key_id,
    label: a.label,
    meta: a.meta ?? {},
    created_at: isoDate(a.created_at),
    modified_at: isoDate(a.modified_at),
  };
}

export function serializeLicenseKeyWithActivations(row: KeyWithCustomer, activations: ActivationRow[]): Record<string, unknown> {
  return { ...serializeLicenseKey(row), activations: activations.map(serializeActivation) };
}

export function serializeValidatedLicenseKey(row: KeyWithCustomer, activation: ActivationRow | null): Record<string, unknown> {
  return { ...serializeLicenseKey(row), activation: activation ? serializeActivation(activation) : null };
}

export function serializeActivationRead(a: ActivationRow, key: KeyWithCustomer): Record<string, unknown> {
  return { ...serializeActivation(a), license_key: serializeLicenseKey(key) };
}
