// License keys and their activations. Grant-time writes take the grant's transaction; the API's
// reads are scoped by organization (or customer); validate/activate/deactivate are one statement.
import type { DataSource } from 'typeorm';
import type {
  ActivateResult,
  ActivationRow,
  KeyLimits,
  KeyWithCustomer,
  LicenseKeyStatus,
  Queryable,
  ValidateInput,
  ValidateResult,
} from './license-key-rows';
import { ACTIVATE_SQL, DEACTIVATE_SQL, VALIDATE_SQL } from './license-key-checks.sql';
import { ValidationBatcher } from './license-key-validation-batcher';

export * from './license-key-rows';

function rowsOf<T>(result: any): T[] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
}

// ---- Grant-time writes (inside the grant activity's transaction) ----

export async function findKeyForGrant(q: Queryable, grantId: string): Promise<{ id: string; key: string } | null> {
  const rows = rowsOf<{ id: string; key: string }>(
    await q.query(`SELECT id, key FROM license_keys WHERE grant_id = $1 FOR UPDATE`, [grantId]),
  );
  return rows[0] ?? null;
}

export async function insertKeyForGrant(
  q: Queryable,
  k: KeyLimits & { organizationId: string; customerId: string; benefitId: string; grantId: string; key: string },
): Promise<{ id: string; key: string }> {
  const rows = rowsOf<{ id: string; key: string }>(
    await q.query(
      `INSERT INTO license_keys (organization_id, customer_id, benefit_id, grant_id, key, limit_activations, limit_usage, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, key`,
      [k.organizationId, k.customerId, k.benefitId, k.grantId, k.key, k.limitActivations, k.limitUsage, k.expiresAt],
    ),
  );
  return rows[0];
}

export async function rewriteKeyForGrant(
  q: Queryable,
  grantId: string,
  l: KeyLimits,
  status?: LicenseKeyStatus,
): Promise<{ id: string; key: string } | null> {
  const rows = rowsOf<{ id: string; key: string }>(
    await q.query(
      `UPDATE license_keys SET limit_activations = $2, limit_usage = $3, expires_at = $4, status = COALESCE($5, status), modified_at = now()
      WHERE grant_id = $1 RETURNING id, key`,
      [grantId, l.limitActivations, l.limitUsage, l.expiresAt, status ?? null],
    ),
  );
  return rows[0] ?? null;
}

export async function setKeyStatusForGrant(
  q: Queryable,
  grantId: string,
  status: LicenseKeyStatus,
): Promise<{ id: string; key: string } | null> {
  const rows = rowsOf<{ id: string; key: string }>(
    await q.query(`UPDATE license_keys SET status = $2, modified_at = now() WHERE grant_id = $1 RETURNING id, key`, [grantId, status]),
  );
  return rows[0] ?? null;
}

// ---- API ----

export interface KeyListFilters {
  organizationIds?: string[];
  benefitIds?: string[];
  statuses?: string[];
  customerId?: string;
}

export interface KeyPatch {
  status?: LicenseKeyStatus;
  usage?: number;
  limit_activations?: number | null;
  limit_usage?: number | null;
  expires_at?: Date | null;
}

const SELECT_KEY = `SELECT lk.*, to_jsonb(c.*) AS customer, b.properties AS benefit_properties
  FROM license_keys lk JOIN customers c ON c.id = lk.customer_id JOIN benefits b ON b.id = lk.benefit_id`;

export class LicenseKeysRepository {
  /** The pg pool under TypeORM: the hot paths use named (prepared) statements, parsed once per connection. */
  private readonly pool: { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: any[] }> };
  private readonly batcher: ValidationBatcher;

  constructor(private readonly ds: DataSource) {
    this.pool = (ds.driver as any).master;
    this.batcher = new ValidationBatcher(this.pool, (v) => this.validateOne(v));
  }

  async list(
    organizationId: string,
    f: KeyListFilters,
    limit: number,
    offset: number,
  ): Promise<{ rows: KeyWithCustomer[]; total: number }> {
    const rows: any[] = await this.ds.query(
      `${SELECT_KEY.replace('SELECT lk.*', 'SELECT count(*) OVER () AS total, lk.*')}
        WHERE lk.organization_id = $1 AND ($2::uuid[] IS NULL OR lk.organization_id = ANY($2))
          AND ($3::uuid[] IS NULL OR lk.benefit_id = ANY($3)) AND ($4::text[] IS NULL OR lk.status = ANY($4))
          AND ($5::uuid IS NULL OR lk.customer_id = $5)
        ORDER BY lk.created_at ASC, lk.id ASC LIMIT $6 OFFSET $7`,
      [organizationId, f.organizationIds ?? null, f.benefitIds ?? null, f.statuses ?? null, f.customerId ?? null, limit, offset],
    );
    const total = rows.length ? Number(rows[0].total) : offset > 0 ? await this.count(organizationId, f) : 0;
    return { rows, total };
  }

  private async count(organizationId: string, f: KeyListFilters): Promise<number> {
    const [row] = await this.ds.query(
      `SELECT count(*)::int AS n FROM license_keys lk WHERE lk.organization_id = $1 AND ($2::uuid[] IS NULL OR lk.organization_id = ANY($2))
          AND ($3::uuid[] IS NULL OR lk.benefit_id = ANY($3)) AND ($4::text[] IS NULL OR lk.status = ANY($4))
          AND ($5::uuid IS NULL OR lk.customer_id = $5)`,
      [organizationId, f.organizationIds ?? null, f.benefitIds ?? null, f.statuses ?? null, f.customerId ?? null],
    );
    return row.n;
  }

  async get(organizationId: string, id: string, customerId?: string): Promise<KeyWithCustomer | null> {
    const rows = await this.ds.query(
      `${SELECT_KEY} WHERE lk.id = $1 AND lk.organization_id = $2 AND ($3::uuid IS NULL OR lk.customer_id = $3)`,
      [id, organizationId, customerId ?? null],
    );
    return rows[0] ?? null;
  }

  async findByKey(organizationId: string, key: string): Promise<KeyWithCustomer | null> {
    const rows = await this.ds.query(`${SELECT_KEY} WHERE lk.organization_id = $1 AND lk.key = $2`, [organizationId, key]);
    return rows[0] ?? null;
  }

  async activations(keyId: string): Promise<ActivationRow[]> {
    return this.ds.query(`SELECT * FROM license_key_activations WHERE license_key_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`, [
      keyId,
    ]);
  }

  async activation(keyId: string, activationId: string): Promise<ActivationRow | null> {
    const rows = await this.ds.query(`SELECT * FROM license_key_activations WHERE id = $1 AND license_key_id = $2 AND deleted_at IS NULL`, [
      activationId,
      keyId,
    ]);
    return rows[0] ?? null;
  }

  /** Applies only the fields given; returns false when the key is not the organization's. */
  async update(organizationId: string, id: string, patch: KeyPatch, q: Queryable = this.ds): Promise<boolean> {
    const columns = (['status', 'usage', 'limit_activations', 'limit_usage', 'expires_at'] as const).filter((c) => patch[c] !== undefined);
    if (columns.length === 0) return true;
    const sets = columns.map((c, i) => `${c} = $${i + 3}`).join(', ');
    const rows = rowsOf(
      await q.query(`UPDATE license_keys SET ${sets}, modified_at = now() WHERE id = $1 AND organization_id = $2 RETURNING id`, [
        id,
        organizationId,
        ...columns.map((c) => patch[c]),
      ]),
    );
    return rows.length > 0;
  }

  /** The grant behind a key, as the engine addresses it. */
  async grantOf(organizationId: string, keyId: string, q: Queryable = this.ds): Promise<GrantOfKey | null> {
    const rows = await q.query(
      `SELECT g.id, g.organization_id, g.customer_id, g.benefit_id, g.granted_at, g.revoked_at, b.type AS benefit_type
         FROM license_keys lk JOIN benefit_grants g ON g.id = lk.grant_id JOIN benefits b ON b.id = g.benefit_id
        WHERE lk.id = $1 AND lk.organization_id = $2`,
      [keyId, organizationId],
    );
    return rows[0] ?? null;
  }

  /** Plain validations go through the batcher; usage increments each take their own statement. */
  async validate(v: ValidateInput): Promise<ValidateResult> {
    return v.increment > 0 ? this.validateOne(v) : this.batcher.submit(v);
  }

  async validateOne(v: ValidateInput): Promise<ValidateResult> {
    const params = [v.organizationId, v.key, v.activationId, JSON.stringify(v.conditions), v.benefitId, v.customerId, v.increment];
    // A concurrent writer can fail the write after the snapshot passed: run again on a fresh snapshot.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows } = await this.pool.query({ name: 'license_key_validate', text: VALIDATE_SQL, values: params });
      const row = rows[0];
      if (!row) return { ok: false, failure: 'not_found' };
      if (row.failure === 'usage') return { ok: false, failure: 'usage', remaining: Math.max(0, row.seen_limit_usage - row.seen_usage) };
      if (row.failure) return { ok: false, failure: row.failure };
      if (row.key) return { ok: true, key: { ...row.key, customer: row.customer }, activation: row.activation };
    }
    return { ok: false, failure: 'usage', remaining: 0 };
  }

  async activate(organizationId: string, key: string, a: { label: string; conditions: object; meta: object }): Promise<ActivateResult> {
    const params = [organizationId, key, a.label, JSON.stringify(a.conditions), JSON.stringify(a.meta)];
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows } = await this.pool.query({ name: 'license_key_activate', text: ACTIVATE_SQL, values: params });
      const row = rows[0];
      if (!row) return { ok: false, failure: 'not_found' };
      if (row.failure) return { ok: false, failure: row.failure };
      if (row.activation) return { ok: true, key: { ...row.key, customer: row.customer }, activation: row.activation };
    }
    return { ok: false, failure: 'limit' };
  }

  async deactivate(organizationId: string, key: string, activationId: string): Promise<'ok' | 'key_not_found' | 'activation_not_found'> {
    const { rows } = await this.pool.query({
      name: 'license_key_deactivate',
      text: DEACTIVATE_SQL,
      values: [organizationId, key, activationId],
    });
    if (rows[0].keys === 0) return 'key_not_found';
    return rows[0].deactivated > 0 ? 'ok' : 'activation_not_found';
  }
}

export interface GrantOfKey {
  id: string;
  organization_id: string;
  customer_id: string;
  benefit_id: string;
  granted_at: Date | null;
  revoked_at: Date | null;
  benefit_type: string;
}
