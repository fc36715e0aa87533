// Webhook endpoints, their events and deliveries. Secrets are stored sealed (lib/secret-box) when
// the service has an encryption key; rows come back with the plain secret, which delivery signs with.
import type { DataSource } from 'typeorm';
import { openWith, sealWith, SecretBox } from '../../lib/secret-box';

const PURPOSE = 'webhook-endpoint-secret';

export interface WebhookEndpointRow {
  id: string;
  created_at: Date;
  modified_at: Date | null;
  organization_id: string;
  name: string | null;
  url: string;
  format: string;
  secret: string;
  events: string[];
  enabled: boolean;
}

/** What the delivery code needs to sign and send one event. */
export interface DeliveryTarget {
  id: string;
  url: string;
  secret: string;
  format: string;
  events: string[];
}

export interface WebhookDeliveryRow {
  id: string;
  created_at: Date;
  modified_at: Date | null;
  succeeded: boolean;
  http_code: number | null;
  response: string | null;
  event_id: string;
  event_created_at: Date;
  event_modified_at: Date | null;
  event_last_http_code: number | null;
  event_succeeded: boolean | null;
  event_skipped: boolean;
  event_payload: string | null;
  event_type: string;
}

export interface DeliveryFilters {
  endpointIds?: string[];
  start?: string;
  end?: string;
  succeeded?: boolean;
  query?: string;
  httpCodeClass?: '2xx' | '3xx' | '4xx' | '5xx';
  eventTypes?: string[];
}

export interface EndpointWrite {
  url?: string;
  name?: string | null;
  format?: string;
  events?: string[];
  enabled?: boolean;
  secret?: string;
}

const COLUMNS = 'id, created_at, modified_at, organization_id, name, url, format, secret, events, enabled';

/** TypeORM answers UPDATE/DELETE with `[rows, rowCount]` and everything else with `rows`. */
function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

function deliveryConditions(orgId: string, f: DeliveryFilters): { where: string; params: unknown[] } {
  const params: unknown[] = [orgId];
  const conds = ['d.organization_id = $1'];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    conds.push(sql(`$${params.length}`));
  };
  if (f.endpointIds) add((p) => `d.endpoint_id = ANY(${p}::uuid[])`, f.endpointIds);
  if (f.start) add((p) => `d.created_at >= ${p}::timestamptz`, f.start);
  if (f.end) add((p) => `d.created_at <= ${p}::timestamptz`, f.end);
  if (f.succeeded !== undefined) add((p) => `d.succeeded = ${p}`, f.succeeded);
  if (f.httpCodeClass) add((p) => `d.http_code / 100 = ${p}`, Number(f.httpCodeClass[0]));
  if (f.eventTypes) add((p) => `e.type = ANY(${p}::text[])`, f.eventTypes);
  if (f.query) {
    add((p) => `(e.payload ILIKE ${p} OR d.response ILIKE ${p} OR e.type ILIKE ${p})`, `%${f.query.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
  }
  return { where: conds.join(' AND '), params };
}

export class WebhookEndpointsRepository {
  constructor(
    private readonly ds: DataSource,
    private readonly box: SecretBox | null = null,
  ) {}

  private opened<T extends { secret: string }>(rows: T[]): T[] {
    return rows.map((r) => ({ ...r, secret: openWith(this.box, r.secret, PURPOSE) }));
  }

  /**
   * Seals secrets written before encryption (or before a key was set). Each row is replaced only
   * if it still holds the value read, so concurrent passes and writes are harmless. Returns how
   * many rows it sealed.
   */
  async sealPlaintextSecrets(): Promise<number> {
    if (!this.box) return 0;
    const rows: { id: string; secret: string }[] = await this.ds.query(
      `SELECT id, secret FROM webhook_endpoints WHERE secret NOT LIKE 'enc:v1:%'`,
    );
    for (const row of rows) {
      await this.ds.query(`UPDATE webhook_endpoints SET secret = $2 WHERE id = $1 AND secret = $3`, [
        row.id,
        this.box.seal(row.secret, PURPOSE),
        row.secret,
      ]);
    }
    return rows.length;
  }

  async list(orgId: string, limit: number, offset: number): Promise<{ rows: WebhookEndpointRow[]; total: number }> {
    const where = 'organization_id = $1 AND deleted_at IS NULL';
    const [{ total }] = await this.ds.query(`SELECT count(*)::int AS total FROM webhook_endpoints WHERE ${where}`, [orgId]);
    const rows: WebhookEndpointRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE ${where} ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [orgId, limit, offset],
    );
    return { rows: this.opened(rows), total };
  }

  async find(orgId: string, id: string): Promise<WebhookEndpointRow | null> {
    const rows: WebhookEndpointRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [orgId, id],
    );
    return this.opened(rows)[0] ?? null;
  }

  /**
   * Creates an endpoint unless the organization already has `max` of them (null then). The
   * organization row is locked so concurrent creates cannot both slip under the cap.
   */
  async create(orgId: string, w: Required<Omit<EndpointWrite, 'enabled'>>, max: number): Promise<WebhookEndpointRow | null> {
    return this.ds.transaction(async (em) => {
      await em.query(`SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, [orgId]);
      const rows: WebhookEndpointRow[] = await em.query(
        `INSERT INTO webhook_endpoints (organization_id, name, url, format, secret, events)
         SELECT $1, $2, $3, $4, $5, $6::text[]
          WHERE (SELECT count(*) FROM webhook_endpoints WHERE organization_id = $1 AND deleted_at IS NULL) < $7
         RETURNING ${COLUMNS}`,
        [orgId, w.name, w.url, w.format, sealWith(this.box, w.secret, PURPOSE), w.events, max],
      );
      return this.opened(rows)[0] ?? null;
    });
  }

  /** Applies the given fields; re-enabling clears the failure streak that disabled the endpoint. */
  async update(orgId: string, id: string, w: EndpointWrite): Promise<WebhookEndpointRow | null> {
    const sets = ['modified_at = now()'];
    const params: unknown[] = [orgId, id];
    for (const [column, value] of Object.entries(w)) {
      if (value === undefined) continue;
      params.push(column === 'secret' ? sealWith(this.box, value as string, PURPOSE) : value);
      sets.push(`${column} = $${params.length}${column === 'events' ? '::text[]' : ''}`);
    }
    if (w.enabled === true) sets.push('consecutive_failures = 0');
    const rows = returnedRows<WebhookEndpointRow>(
      await this.ds.query(
        `UPDATE webhook_endpoints SET ${sets.join(', ')}
        WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${COLUMNS}`,
        params,
      ),
    );
    return this.opened(rows)[0] ?? null;
  }

  async softDelete(orgId: string, id: string): Promise<boolean> {
    const rows = returnedRows<{ id: string }>(
      await this.ds.query(
        `UPDATE webhook_endpoints SET deleted_at = now(), modified_at = now(), enabled = false
        WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id`,
        [orgId, id],
      ),
    );
    return rows.length > 0;
  }

  /** Live, enabled endpoints of the organization subscribed to `eventType` (used by delivery). */
  async listEnabledForEvent(orgId: string, eventType: string): Promise<DeliveryTarget[]> {
    return this.opened<DeliveryTarget>(
      await this.ds.query(
        `SELECT id, url, secret, format, events FROM webhook_endpoints
        WHERE organization_id = $1 AND deleted_at IS NULL AND enabled AND $2 = ANY(events)
        ORDER BY created_at, id`,
        [orgId, eventType],
      ),
    );
  }

  async listDeliveries(
    orgId: string,
    filters: DeliveryFilters,
    limit: number,
    offset: number,
  ): Promise<{ rows: WebhookDeliveryRow[]; total: number }> {
    const { where, params } = deliveryConditions(orgId, filters);
    const from = `FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.webhook_event_id AND e.organization_id = d.organization_id`;
    const [{ total }] = await this.ds.query(`SELECT count(*)::int AS total ${from} WHERE ${where}`, params);
    const rows: WebhookDeliveryRow[] = await this.ds.query(
      `SELECT d.id, d.created_at, d.modified_at, d.succeeded, d.http_code, d.response,
              e.id AS event_id, e.created_at AS event_created_at, e.modified_at AS event_modified_at,
              e.last_http_code AS event_last_http_code, e.succeeded AS event_succeeded,
              e.skipped AS event_skipped, e.payload AS event_payload, e.type AS event_type
         ${from} WHERE ${where}
        ORDER BY d.created_at DESC, d.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return { rows, total };
  }

  async eventExists(orgId: string, eventId: string): Promise<boolean> {
    const rows = await this.ds.query('SELECT 1 FROM webhook_events WHERE organization_id = $1 AND id = $2', [orgId, eventId]);
    return rows.length > 0;
  }
}
