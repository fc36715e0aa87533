// Every operation we serve, with the zod schemas its handler validates with and the Polar
// component its response follows. /openapi.json is generated from this list.
import type { z } from 'zod';
import { benefitCreateBody, benefitGrantsQuery, benefitListQuery, benefitUpdateBody } from '../schemas/benefits.schemas';
import {
  grantListQuery, orderCreateBody, orderListQuery, refundCreateBody, subscriptionCreateBody, subscriptionListQuery, subscriptionUpdateBody,
} from '../schemas/commerce.schemas';
import { refundListQuery } from '../schemas/refunds.schemas';
import { customerCreateSchema, customerListQuery, customerSessionCreateSchema, customerUpdateSchema } from '../schemas/customers.schemas';
import { productBenefitsBody, productCreateBody, productListQuery, productUpdateBody } from '../schemas/products.schemas';
import {
  licenseCertificateBody, licenseKeyActivateBody, licenseKeyDeactivateBody, licenseKeyListQuery, licenseKeyUpdateBody, licenseKeyValidateBody,
  portalLicenseKeyListQuery, publicLicenseCertificateBody, signingKeyQuery,
} from '../schemas/license-keys.schemas';
import { webhookDeliveryListQuery, webhookEndpointCreateSchema, webhookEndpointListQuery, webhookEndpointUpdateSchema } from '../schemas/webhooks.schemas';

export interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Polar component name of the success body; undefined for 204. */
  response?: string;
  status?: number;
  auth?: 'organization' | 'customer' | 'none';
  /** Set where we extend Polar's contract. */
  extension?: string;
}

const list = (name: string) => `ListResource_${name}_`;

export const operations: Operation[] = [
  { method: 'get', path: '/v1/products/', summary: 'List products', tag: 'products', query: productListQuery, response: list('Product') },
  { method: 'post', path: '/v1/products/', summary: 'Create product', tag: 'products', body: productCreateBody, response: 'Product', status: 201 },
  { method: 'get', path: '/v1/products/{id}', summary: 'Get product', tag: 'products', response: 'Product' },
  { method: 'patch', path: '/v1/products/{id}', summary: 'Update product', tag: 'products', body: productUpdateBody, response: 'Product' },
  { method: 'post', path: '/v1/products/{id}/benefits', summary: "Set a product's benefits (existing holders are reconciled)", tag: 'products', body: productBenefitsBody, response: 'Product' },
  { method: 'get', path: '/v1/benefits/', summary: 'List benefits', tag: 'benefits', query: benefitListQuery, response: list('Benefit') },
  { method: 'post', path: '/v1/benefits/', summary: 'Create benefit', tag: 'benefits', body: benefitCreateBody, response: 'Benefit', status: 201 },
  { method: 'get', path: '/v1/benefits/{id}', summary: 'Get benefit', tag: 'benefits', response: 'Benefit' },
  { method: 'patch', path: '/v1/benefits/{id}', summary: 'Update benefit', tag: 'benefits', body: benefitUpdateBody, response: 'Benefit' },
  { method: 'delete', path: '/v1/benefits/{id}', summary: 'Delete benefit (revokes every grant)', tag: 'benefits', status: 204 },
  { method: 'get', path: '/v1/benefits/{id}/grants', summary: 'List grants of a benefit', tag: 'benefits', query: benefitGrantsQuery, response: list('BenefitGrant') },
  { method: 'get', path: '/v1/benefit-grants/', summary: 'List benefit grants', tag: 'benefit-grants', query: grantListQuery, response: list('BenefitGrant') },
  { method: 'get', path: '/v1/customers/', summary: 'List customers', tag: 'customers', query: customerListQuery, response: list('Customer') },
  { method: 'post', path: '/v1/customers/', summary: 'Create customer', tag: 'customers', body: customerCreateSchema, response: 'Customer', status: 201 },
  { method: 'get', path: '/v1/customers/{id}', summary: 'Get customer', tag: 'customers', response: 'Customer' },
  { method: 'patch', path: '/v1/customers/{id}', summary: 'Update customer', tag: 'customers', body: customerUpdateSchema, response: 'Customer' },
  { method: 'delete', path: '/v1/customers/{id}', summary: 'Delete customer (revokes all their grants)', tag: 'customers', status: 204 },
  { method: 'get', path: '/v1/customers/{id}/state', summary: 'Customer state: active subscriptions and granted benefits', tag: 'customers', response: 'CustomerState' },
  { method: 'get', path: '/v1/customers/external/{external_id}', summary: 'Get customer by external id', tag: 'customers', response: 'Customer' },
  { method: 'patch', path: '/v1/customers/external/{external_id}', summary: 'Update customer by external id', tag: 'customers', response: 'Customer' },
  { method: 'delete', path: '/v1/customers/external/{external_id}', summary: 'Delete customer by external id', tag: 'customers', status: 204 },
  { method: 'get', path: '/v1/customers/external/{external_id}/state', summary: 'Customer state by external id', tag: 'customers', response: 'CustomerState' },
  {
    method: 'post', path: '/v1/orders/', summary: 'Record a paid order (purchase or renewal)', tag: 'orders', body: orderCreateBody, response: 'Order', status: 201,
    extension: 'Billing happens outside this service: the billing system records paid orders here. `subscription_id` with `billing_reason: "subscription_cycle"` records a renewal; `amount`, `tax_amount`, `discount_amount` and `currency` report what was charged. An `Idempotency-Key` header makes a retried call return the same order (200) and grant nothing twice.',
  },
  { method: 'get', path: '/v1/orders/', summary: 'List orders', tag: 'orders', query: orderListQuery, response: list('Order') },
  { method: 'get', path: '/v1/orders/{id}', summary: 'Get order', tag: 'orders', response: 'Order' },
  {
    method: 'post', path: '/v1/refunds/', summary: 'Record a refund', tag: 'refunds', body: refundCreateBody, response: 'Refund', status: 201,
    extension: 'A refund is recorded once: a retry with the same `Idempotency-Key` (or, without one, the identical request) answers 201 with the refund already recorded. Give distinct keys to record two identical partial refunds. A key reused for a different request answers 422.',
  },
  { method: 'get', path: '/v1/refunds/', summary: 'List refunds', tag: 'refunds', query: refundListQuery, response: list('Refund') },
  {
    method: 'post', path: '/v1/subscriptions/', summary: 'Record a subscription', tag: 'subscriptions', body: subscriptionCreateBody, response: 'Subscription', status: 201,
    extension: 'Paid products are allowed: billing is external. The current period follows the product interval. `Idempotency-Key` is honoured.',
  },
  { method: 'get', path: '/v1/subscriptions/', summary: 'List subscriptions', tag: 'subscriptions', query: subscriptionListQuery, response: list('Subscription') },
  { method: 'get', path: '/v1/subscriptions/{id}', summary: 'Get subscription', tag: 'subscriptions', response: 'Subscription' },
  {
    method: 'patch', path: '/v1/subscriptions/{id}', summary: 'Cancel at period end, uncancel, revoke, or report a renewal', tag: 'subscriptions', body: subscriptionUpdateBody, response: 'Subscription',
    extension: '`{"current_period_end": "<date-time>"}` reports a renewal without an order.',
  },
  { method: 'delete', path: '/v1/subscriptions/{id}', summary: 'Revoke subscription now', tag: 'subscriptions', response: 'Subscription' },
  { method: 'get', path: '/v1/webhooks/endpoints', summary: 'List webhook endpoints', tag: 'webhooks', query: webhookEndpointListQuery, response: list('WebhookEndpoint') },
  { method: 'post', path: '/v1/webhooks/endpoints', summary: 'Create webhook endpoint', tag: 'webhooks', body: webhookEndpointCreateSchema, response: 'WebhookEndpoint', status: 201 },
  { method: 'get', path: '/v1/webhooks/endpoints/{id}', summary: 'Get webhook endpoint', tag: 'webhooks', response: 'WebhookEndpoint' },
  { method: 'patch', path: '/v1/webhooks/endpoints/{id}', summary: 'Update webhook endpoint', tag: 'webhooks', body: webhookEndpointUpdateSchema, response: 'WebhookEndpoint' },
  { method: 'delete', path: '/v1/webhooks/endpoints/{id}', summary: 'Delete webhook endpoint', tag: 'webhooks', status: 204 },
  { method: 'patch', path: '/v1/webhooks/endpoints/{id}/secret', summary: 'Reset webhook endpoint secret', tag: 'webhooks', response: 'WebhookEndpoint' },
  { method: 'get', path: '/v1/webhooks/deliveries', summary: 'List webhook deliveries (every attempt)', tag: 'webhooks', query: webhookDeliveryListQuery, response: list('WebhookDelivery') },
  { method: 'post', path: '/v1/webhooks/events/{id}/redeliver', summary: 'Redeliver a webhook event', tag: 'webhooks', status: 202 },
  { method: 'post', path: '/v1/customer-sessions/', summary: 'Create customer session', tag: 'customer-sessions', body: customerSessionCreateSchema, response: 'CustomerSession', status: 201 },
  { method: 'get', path: '/v1/customer-portal/customers/me', summary: 'Get the session customer', tag: 'customer-portal', response: 'CustomerPortalCustomer', auth: 'customer' },
  { method: 'get', path: '/v1/customer-portal/benefit-grants/', summary: "List the customer's grants", tag: 'customer-portal', response: list('CustomerBenefitGrant'), auth: 'customer' },
  { method: 'get', path: '/v1/customer-portal/benefit-grants/{id}', summary: 'Get a grant', tag: 'customer-portal', response: 'CustomerBenefitGrant', auth: 'customer' },
  { method: 'patch', path: '/v1/customer-portal/benefit-grants/{id}', summary: 'Resume a grant by linking an account', tag: 'customer-portal', response: 'CustomerBenefitGrant', auth: 'customer' },
  { method: 'get', path: '/v1/license-keys/', summary: 'List license keys', tag: 'license_keys', query: licenseKeyListQuery, response: list('LicenseKeyRead') },
  { method: 'get', path: '/v1/license-keys/{id}', summary: 'Get license key (with activations)', tag: 'license_keys', response: 'LicenseKeyWithActivations' },
  {
    method: 'patch', path: '/v1/license-keys/{id}', summary: 'Update license key', tag: 'license_keys', body: licenseKeyUpdateBody, response: 'LicenseKeyRead',
    extension: 'A status change to `revoked` revokes the grant behind the key, and back to `granted` re-grants it with the same key, through the grant engine; the other fields given are written afterwards.',
  },
  { method: 'get', path: '/v1/license-keys/{id}/activations/{activation_id}', summary: 'Get license key activation', tag: 'license_keys', response: 'LicenseKeyActivationRead' },
  { method: 'post', path: '/v1/license-keys/validate', summary: 'Validate license key', tag: 'license_keys', body: licenseKeyValidateBody, response: 'ValidatedLicenseKey' },
  { method: 'post', path: '/v1/license-keys/activate', summary: 'Activate license key', tag: 'license_keys', body: licenseKeyActivateBody, response: 'LicenseKeyActivationRead' },
  { method: 'post', path: '/v1/license-keys/deactivate', summary: 'Deactivate license key activation', tag: 'license_keys', body: licenseKeyDeactivateBody, status: 204 },
  {
    method: 'post', path: '/v1/license-keys/{id}/certificate', summary: 'Issue a signed license certificate', tag: 'license_keys', body: licenseCertificateBody,
    extension: 'Returns `{certificate, key_id, algorithm, issued_at, valid_until, claims}`: a compact JWS (EdDSA, Ed25519, `kid` = the signing key) over the key, customer, benefit, status, expiry, activation and a validity window (the organization\'s maximum, default 7 days; `validity_days` may shorten it; never past the key\'s expiry), verifiable offline with the organization\'s public keys. A key that limits activations needs `activation_id` of a live activation (403 without). Revoked, disabled or expired keys get 403.',
  },
  {
    method: 'get', path: '/v1/license-keys/signing-key', summary: "The organization's certificate verification key", tag: 'license_keys',
    extension: 'Returns `{organization_id, algorithm: "Ed25519", key_id, public_key (PEM), public_key_jwk}`. 503 when the server has no SECRET_ENCRYPTION_KEY.',
  },
  {
    method: 'get', path: '/v1/license-keys/signing-keys', summary: "Every certificate verification key still in use", tag: 'license_keys',
    extension: 'Returns `{items: [{organization_id, algorithm, key_id, public_key, public_key_jwk, created_at, current, retired_at, expires_at}]}`: the current key first, then keys retired by a rotation until the certificates they signed have expired. 503 when the server has no SECRET_ENCRYPTION_KEY.',
  },
  { method: 'get', path: '/v1/customer-portal/license-keys/', summary: "List the customer's license keys", tag: 'customer-portal', query: portalLicenseKeyListQuery, response: list('LicenseKeyRead'), auth: 'customer' },
  {
    method: 'get', path: '/v1/customer-portal/license-keys/{id}', summary: 'Get a license key', tag: 'customer-portal', response: 'LicenseKeyWithActivations', auth: 'customer',
    extension: 'Activations are listed only when the benefit enables `activations.enable_customer_admin`.',
  },
  { method: 'post', path: '/v1/customer-portal/license-keys/validate', summary: 'Validate license key (no token; rate limited)', tag: 'customer-portal', body: licenseKeyValidateBody, response: 'ValidatedLicenseKey', auth: 'none' },
  { method: 'post', path: '/v1/customer-portal/license-keys/activate', summary: 'Activate license key (no token; rate limited)', tag: 'customer-portal', body: licenseKeyActivateBody, response: 'LicenseKeyActivationRead', auth: 'none' },
  {
    method: 'post', path: '/v1/customer-portal/license-keys/deactivate', summary: 'Deactivate license key activation (no token; rate limited)', tag: 'customer-portal', body: licenseKeyDeactivateBody, status: 204, auth: 'none',
    extension: 'Sent with a customer session token, it is refused (403) for the customer\'s own keys unless the benefit enables `activations.enable_customer_admin`. Rate limits answer 429 with `Retry-After`.',
  },
  {
    method: 'post', path: '/v1/customer-portal/license-keys/certificate', summary: 'Issue a signed license certificate for a key (no token; rate limited)', tag: 'customer-portal', body: publicLicenseCertificateBody, auth: 'none',
    extension: 'Body `{key, organization_id, activation_id?}` (`activation_id` required when the key limits activations); valid for the organization\'s maximum, which the holder cannot change; same answer as `POST /v1/license-keys/{id}/certificate`.',
  },
  {
    method: 'get', path: '/v1/customer-portal/license-keys/signing-key', summary: "An organization's certificate verification key (no token)", tag: 'customer-portal', query: signingKeyQuery, auth: 'none',
    extension: 'Query `organization_id`; same answer as `GET /v1/license-keys/signing-key`.',
  },
  {
    method: 'get', path: '/v1/customer-portal/license-keys/signing-keys', summary: "An organization's certificate verification keys still in use (no token)", tag: 'customer-portal', query: signingKeyQuery, auth: 'none',
    extension: 'Query `organization_id`; same answer as `GET /v1/license-keys/signing-keys`.',
  },
];
