// License-key rules that are not SQL or HTTP: what a failed validation or activation tells the
// caller (Polar's wording, which merchants' apps match on), and when a key may get an offline
// certificate, for how long and what it states. Pure: api/services/license-keys.service.ts maps
// these onto HTTP errors, db/repositories/license-keys.repository.ts runs the checks themselves in SQL.
import type { ActivateFailure, KeyWithCustomer, ValidateFailure } from '../../db/repositories/license-key-rows';
import { MAX_CERTIFICATE_DAYS, type LicenseCertificateClaims } from './license-certificates';

export const KEY_NOT_FOUND = 'License key not found.';
export const ACTIVATION_NOT_FOUND = 'License key activation not found.';

/** A failed validation, except usage (a 400 with the remaining count, usageExhaustedMessage). */
export const VALIDATE_MESSAGES: Record<Exclude<ValidateFailure, 'usage'>, string> = {
  not_found: KEY_NOT_FOUND,
  status: 'License key is no longer active.',
  expired: 'License key has expired.',
  activation: ACTIVATION_NOT_FOUND,
  conditions: 'License key does not match required conditions',
  benefit: 'License key does not match given benefit.',
  customer: 'License key does not match given user.',
};

export function usageExhaustedMessage(remaining: number | undefined): string {
  return `License key only has ${remaining ?? 0} more usages.`;
}

/** A refused activation, except not_found (a 404 with KEY_NOT_FOUND). */
export const ACTIVATE_MESSAGES: Record<Exclude<ActivateFailure, 'not_found'>, string> = {
  status: 'License key is no longer active. This license key can not be activated.',
  expired: 'License key has expired.',
  unsupported: 'This license key does not support activations. Use the /validate endpoint instead to check license validity.',
  limit: 'License key activation limit already reached',
};

/**
 * Why a key gets no certificate, or null when it may get one: revoked, disabled or expired keys
 * get none, and a key that limits activations is certified only for one of its activations, so
 * offline use is bound by the same limit.
 */
export function certificateRefusal(
  key: { status: string; expires_at: Date | string | null; limit_activations: number | null },
  activationId: string | null | undefined,
  now: Date,
): string | null {
  if (key.status !== 'granted') return `License key is ${key.status}: no certificate can be issued.`;
  const expiresAt = key.expires_at ? new Date(key.expires_at) : null;
  if (expiresAt && expiresAt <= now) return 'License key has expired: no certificate can be issued.';
  if (key.limit_activations !== null && !activationId) {
    return 'License key limits activations: a certificate is issued only for one of its activations (activation_id).';
  }
  return null;
}

/**
 * The end of a certificate's validity: the organization's maximum (one day when unset, never past
 * MAX_CERTIFICATE_DAYS), shortened by the requested `validity_days`, and never past the key's expiry.
 */
export function certificateValidUntil(
  now: Date,
  keyExpiresAt: Date | string | null,
  organizationMaxDays: number | null | undefined,
  requestedDays: number | null | undefined,
): Date {
  const maxDays = Math.min(organizationMaxDays ?? 1, MAX_CERTIFICATE_DAYS);
  const days = Math.min(requestedDays ?? maxDays, maxDays);
  const windowEnd = new Date(now.getTime() + days * 86_400_000);
  const expiresAt = keyExpiresAt ? new Date(keyExpiresAt) : null;
  return expiresAt && expiresAt < windowEnd ? expiresAt : windowEnd;
}

/**
 * What a certificate states about a key, its customer and (when bound to one) its activation.
 * `shown` is the key's API form (display key, expiry), so a certificate and the API agree.
 */
export function certificateClaims(
  key: KeyWithCustomer,
  activation: { id: string; label: string; conditions: any; meta: any } | null,
  now: Date,
  validUntil: Date,
  shown: { display_key: string; expires_at: string | null },
): LicenseCertificateClaims {
  return {
    iss: key.organization_id,
    sub: key.id,
    iat: Math.floor(now.getTime() / 1000),
    nbf: Math.floor(now.getTime() / 1000),
    exp: Math.floor(validUntil.getTime() / 1000),
    issued_at: now.toISOString(),
    valid_from: now.toISOString(),
    valid_until: validUntil.toISOString(),
    license_key: {
      id: key.id,
      key: key.key,
      display_key: shown.display_key,
      status: key.status,
      benefit_id: key.benefit_id,
      customer_id: key.customer_id,
      limit_activations: key.limit_activations,
      limit_usage: key.limit_usage,
      usage: Number(key.usage),
      expires_at: shown.expires_at,
    },
    customer: {
      id: key.customer.id,
      email: key.customer.email ?? null,
      name: key.customer.name ?? null,
      external_id: key.customer.external_id ?? null,
    },
    benefit_id: key.benefit_id,
    activation: activation
      ? { id: activation.id, label: activation.label, conditions: activation.conditions ?? {}, meta: activation.meta ?? {} }
      : null,
  };
}
