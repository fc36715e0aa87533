// License keys in /openapi.json: the organization's operations and the portal's, which validate,
// activate and certify without a token (Polar's contract; extensions marked).
import {
  licenseCertificateBody,
  licenseKeyActivateBody,
  licenseKeyDeactivateBody,
  licenseKeyListQuery,
  licenseKeyUpdateBody,
  licenseKeyValidateBody,
  portalLicenseKeyListQuery,
  publicLicenseCertificateBody,
  signingKeyQuery,
} from '../schemas/license-keys.schemas';
import { listOf, type Operation } from './operation';

export const licenseKeyOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/license-keys/',
    summary: 'List license keys',
    tag: 'license_keys',
    query: licenseKeyListQuery,
    response: listOf('LicenseKeyRead'),
  },
  {
    method: 'get',
    path: '/v1/license-keys/{id}',
    summary: 'Get license key (with activations)',
    tag: 'license_keys',
    response: 'LicenseKeyWithActivations',
  },
  {
    method: 'patch',
    path: '/v1/license-keys/{id}',
    summary: 'Update license key',
    tag: 'license_keys',
    body: licenseKeyUpdateBody,
    response: 'LicenseKeyRead',
    extension:
      'A status change to `revoked` revokes the grant behind the key, and back to `granted` re-grants it with the same key, through the grant engine; the other fields given are written afterwards.',
  },
  {
    method: 'get',
    path: '/v1/license-keys/{id}/activations/{activation_id}',
    summary: 'Get license key activation',
    tag: 'license_keys',
    response: 'LicenseKeyActivationRead',
  },
  {
    method: 'post',
    path: '/v1/license-keys/validate',
    summary: 'Validate license key',
    tag: 'license_keys',
    body: licenseKeyValidateBody,
    response: 'ValidatedLicenseKey',
  },
  {
    method: 'post',
    path: '/v1/license-keys/activate',
    summary: 'Activate license key',
    tag: 'license_keys',
    body: licenseKeyActivateBody,
    response: 'LicenseKeyActivationRead',
  },
  {
    method: 'post',
    path: '/v1/license-keys/deactivate',
    summary: 'Deactivate license key activation',
    tag: 'license_keys',
    body: licenseKeyDeactivateBody,
    status: 204,
  },
  {
    method: 'post',
    path: '/v1/license-keys/{id}/certificate',
    summary: 'Issue a signed license certificate',
    tag: 'license_keys',
    body: licenseCertificateBody,
    extension:
      "Returns `{certificate, key_id, algorithm, issued_at, valid_until, claims}`: a compact JWS (EdDSA, Ed25519, `kid` = the signing key) over the key, customer, benefit, status, expiry, activation and a validity window (the organization's maximum, default 7 days; `validity_days` may shorten it; never past the key's expiry), verifiable offline with the organization's public keys. A key that limits activations needs `activation_id` of a live activation (403 without). Revoked, disabled or expired keys get 403.",
  },
  {
    method: 'get',
    path: '/v1/license-keys/signing-key',
    summary: "The organization's certificate verification key",
    tag: 'license_keys',
    extension:
      'Returns `{organization_id, algorithm: "Ed25519", key_id, public_key (PEM), public_key_jwk}`. 503 when the server has no SECRET_ENCRYPTION_KEY.',
  },
  {
    method: 'get',
    path: '/v1/license-keys/signing-keys',
    summary: 'Every certificate verification key still in use',
    tag: 'license_keys',
    extension:
      'Returns `{items: [{organization_id, algorithm, key_id, public_key, public_key_jwk, created_at, current, retired_at, expires_at}]}`: the current key first, then keys retired by a rotation until the certificates they signed have expired. 503 when the server has no SECRET_ENCRYPTION_KEY.',
  },
];

/** The customer portal's license keys (some answer without a token, rate limited). */
export const portalLicenseKeyOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/customer-portal/license-keys/',
    summary: "List the customer's license keys",
    tag: 'customer-portal',
    query: portalLicenseKeyListQuery,
    response: listOf('LicenseKeyRead'),
    auth: 'customer',
  },
  {
    method: 'get',
    path: '/v1/customer-portal/license-keys/{id}',
    summary: 'Get a license key',
    tag: 'customer-portal',
    response: 'LicenseKeyWithActivations',
    auth: 'customer',
    extension: 'Activations are listed only when the benefit enables `activations.enable_customer_admin`.',
  },
  {
    method: 'post',
    path: '/v1/customer-portal/license-keys/validate',
    summary: 'Validate license key (no token; rate limited)',
    tag: 'customer-portal',
    body: licenseKeyValidateBody,
    response: 'ValidatedLicenseKey',
    auth: 'none',
  },
  {
    method: 'post',
    path: '/v1/customer-portal/license-keys/activate',
    summary: 'Activate license key (no token; rate limited)',
    tag: 'customer-portal',
    body: licenseKeyActivateBody,
    response: 'LicenseKeyActivationRead',
    auth: 'none',
  },
  {
    method: 'post',
    path: '/v1/customer-portal/license-keys/deactivate',
    summary: 'Deactivate license key activation (no token; rate limited)',
    tag: 'customer-portal',
    body: licenseKeyDeactivateBody,
    status: 204,
    auth: 'none',
    extension:
      "Sent with a customer session token, it is refused (403) for the customer's own keys unless the benefit enables `activations.enable_customer_admin`. Rate limits answer 429 with `Retry-After`.",
  },
  {
    method: 'post',
    path: '/v1/customer-portal/license-keys/certificate',
    summary: 'Issue a signed license certificate for a key (no token; rate limited)',
    tag: 'customer-portal',
    body: publicLicenseCertificateBody,
    auth: 'none',
    extension:
      "Body `{key, organization_id, activation_id?}` (`activation_id` required when the key limits activations); valid for the organization's maximum, which the holder cannot change; same answer as `POST /v1/license-keys/{id}/certificate`.",
  },
  {
    method: 'get',
    path: '/v1/customer-portal/license-keys/signing-key',
    summary: "An organization's certificate verification key (no token)",
    tag: 'customer-portal',
    query: signingKeyQuery,
    auth: 'none',
    extension: 'Query `organization_id`; same answer as `GET /v1/license-keys/signing-key`.',
  },
  {
    method: 'get',
    path: '/v1/customer-portal/license-keys/signing-keys',
    summary: "An organization's certificate verification keys still in use (no token)",
    tag: 'customer-portal',
    query: signingKeyQuery,
    auth: 'none',
    extension: 'Query `organization_id`; same answer as `GET /v1/license-keys/signing-keys`.',
  },
];
