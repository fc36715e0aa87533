// License key rows and the validation and activation outcomes, apart from their repository so
// the validation batcher can name them without importing the repository that builds it.
import type { CustomerRow } from './customers.repository';

export type Queryable = { query(sql: string, params?: unknown[]): Promise<any> };
export type LicenseKeyStatus = 'granted' | 'revoked' | 'disabled';

export interface LicenseKeyRow {
  id: string;
  created_at: Date | string;
  modified_at: Date | string | null;
  organization_id: string;
  customer_id: string;
  benefit_id: string;
  grant_id: string | null;
  key: string;
  status: LicenseKeyStatus;
  limit_activations: number | null;
  activations_count: number;
  usage: number;
  limit_usage: number | null;
  validations: number;
  last_validated_at: Date | string | null;
  expires_at: Date | string | null;
}

/** A key with its customer (and, where a route needs it, its benefit's properties). */
export interface KeyWithCustomer extends LicenseKeyRow {
  customer: CustomerRow;
  benefit_properties?: Record<string, unknown>;
}

export interface ActivationRow {
  id: string;
  created_at: Date | string;
  modified_at: Date | string | null;
  license_key_id: string;
  label: string;
  conditions: Record<string, unknown>;
  meta: Record<string, unknown>;
}

export interface KeyLimits {
  limitActivations: number | null;
  limitUsage: number | null;
  expiresAt: Date | null;
}

/** TypeORM answers a top-level UPDATE with `[rows, count]` and anything else with the rows. */

export type ValidateFailure = 'not_found' | 'status' | 'expired' | 'activation' | 'conditions' | 'benefit' | 'customer' | 'usage';
export type ActivateFailure = 'not_found' | 'status' | 'expired' | 'unsupported' | 'limit';

export interface ValidateInput {
  organizationId: string;
  key: string;
  activationId: string | null;
  conditions: Record<string, unknown>;
  benefitId: string | null;
  customerId: string | null;
  increment: number;
}

export type ValidateResult =
  { ok: true; key: KeyWithCustomer; activation: ActivationRow | null } | { ok: false; failure: ValidateFailure; remaining?: number };

export type ActivateResult = { ok: true; key: KeyWithCustomer; activation: ActivationRow } | { ok: false; failure: ActivateFailure };
