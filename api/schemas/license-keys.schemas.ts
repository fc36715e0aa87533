// Request shapes of /v1/license-keys and /v1/customer-portal/license-keys (Polar 2026-10:
// LicenseKeyUpdate, LicenseKeyValidate, LicenseKeyActivate, LicenseKeyDeactivate, list filters),
// plus our certificate extension.
import { z } from 'zod';
import { paginationQuery } from '../pagination';
import { int32, metadataInput, multi, safeString, TEXT_LIMITS, uuid } from '../validation';

const positiveInt32 = int32().gt(0);
/** A key as a client sends it back; generated keys are far shorter. */
const key = safeString(TEXT_LIMITS.token);

export const licenseKeyStatus = z.enum(['granted', 'revoked', 'disabled']);

export const licenseKeyListQuery = z.object({
  organization_id: multi(uuid),
  benefit_id: multi(uuid),
  status: multi(licenseKeyStatus),
  ...paginationQuery,
});

export const portalLicenseKeyListQuery = z.object({
  benefit_id: uuid.optional(),
  ...paginationQuery,
});

/** A date-time with or without offset; one without is read as UTC, as Polar does. */
const dateTime = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(s) && !Number.isNaN(Date.parse(s)),
    'Input should be a valid datetime',
  )
  .transform((s) => new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s}Z`));

export const licenseKeyUpdateBody = z.object({
  status: licenseKeyStatus.nullable().optional(),
  usage: int32().optional(),
  limit_activations: positiveInt32.nullable().optional(),
  limit_usage: positiveInt32.nullable().optional(),
  expires_at: dateTime.nullable().optional(),
});
export type LicenseKeyUpdateBody = z.infer<typeof licenseKeyUpdateBody>;

/** Polar's conditions / meta: the metadata rules (<=50 keys of <=40 chars; string<=500 | number | bool). */
const keyValues = metadataInput;

export const licenseKeyValidateBody = z.object({
  key,
  organization_id: uuid,
  activation_id: uuid.nullable().optional(),
  benefit_id: uuid.nullable().optional(),
  customer_id: uuid.nullable().optional(),
  increment_usage: int32().min(0).nullable().optional(),
  conditions: keyValues.optional(),
});
export type LicenseKeyValidateBody = z.infer<typeof licenseKeyValidateBody>;

/** The spec sets no bound on an activation's label; a device name fits in this and a flood does not. */
export const ACTIVATION_LABEL_MAX_LENGTH = 256;

export const licenseKeyActivateBody = z.object({
  key,
  organization_id: uuid,
  label: safeString(ACTIVATION_LABEL_MAX_LENGTH),
  conditions: keyValues.optional(),
  meta: keyValues.optional(),
});
export type LicenseKeyActivateBody = z.infer<typeof licenseKeyActivateBody>;

export const licenseKeyDeactivateBody = z.object({
  key,
  organization_id: uuid,
  activation_id: uuid,
});
export type LicenseKeyDeactivateBody = z.infer<typeof licenseKeyDeactivateBody>;

/**
 * Extension: a signed certificate for a key, bound to one of its activations (required when the
 * key limits activations). The organization may ask for a shorter validity than its maximum.
 */
export const licenseCertificateBody = z.object({
  activation_id: uuid.nullable().optional(),
  /** How long the certificate stays valid offline: at most the organization's maximum and the key's expiry. */
  validity_days: z.number().int().min(1).max(365).optional(),
});
export type LicenseCertificateBody = z.infer<typeof licenseCertificateBody>;

/** Whoever holds the key does not choose the validity: the organization's maximum applies. */
export const publicLicenseCertificateBody = licenseCertificateBody.omit({ validity_days: true }).extend({
  key,
  organization_id: uuid,
});

export const signingKeyQuery = z.object({ organization_id: uuid });
