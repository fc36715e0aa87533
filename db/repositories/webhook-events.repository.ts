// The webhook outbox: events are written in the same transaction as the change they describe,
// one row per subscribed endpoint; the endpoint's workflow delivers them in order.
import type { DataSource } from 'typeorm';
import { unwrapRows } from '../sql';
import { queryPrepared } from '../prepared';
import type { Queryable } from '../sql';

export interface WebhookEventRow {
  id: string;
  created_at: Date;
  organization_id: string;
  endpoint_id: string;
  type: string;
  payload: string;
  succeeded: boolean | null;
  skipped: boolean;
}

export interface EndpointForDelivery {
  id: string;
  url: string;
  secret: string;
  format: string;
  enabled: boolean;
}

/**
 * The event types some enabled endpoint of the organization (an SQL expression) listens to, as a
 * text array: read with a grant command's lock, so a grant nobody listens to builds no payload.
 */
export function listenedTypesSql(organizationIdSql: string): string {
  return `(SELECT coalesce(array_agg(DISTINCT t.type), '{}') FROM webhook_endpoints e, unnest(e.events) AS t(type)
            WHERE e.organization_id = ${organizationIdSql} AND e.deleted_at IS NULL AND e.enabled)`;
}

/**
 * The events as enqueueEventsSql takes them: their types (a text array) and their payloads as one
 * JSON array text. Payload texts in a text array would be escaped element by element by pg (every
 * quote of the JSON doubled up: 18 µs for a purchase's two order payloads); one JSON text goes as
 * it is, and PostgreSQL hands each element back exactly as written here.
 */
export function webhookPayloads(events: { type: string; data: unknown }[]): { types: string[]; payloads: string } {
  const timestamp = new Date().toISOString();
  return {
    types: events.map((e) => e.type),
    payloads: `[${events.map(({ type, data }) => JSON.stringify({ type, timestamp, data })).join(',')}]`,
  };
}

/**
 * The INSERT that writes events (`typesSql`, `payloadsSql`: the types and the JSON array of
 * webhookPayloads) for every enabled endpoint subscribed to each, in the order given. `joinSql`
 * (" CROSS JOIN o" for a CTE named o) lets a statement that writes the change itself enqueue only
 * when the change was written.
 */
export function enqueueEventsSql(organizationIdSql: string, typesSql: string, payloadsSql: string, joinSql: string): string {
  // clock_timestamp, not now(): now() is the transaction's start, so events of one change would tie.
  // json, not jsonb: an element of a json array is its text exactly as sent (jsonb would re-render it).
  return `INSERT INTO webhook_events (organization_id, endpoint_id, type, payload, created_at)
       SELECT ${organizationIdSql}, e.id, t.type, t.payload::text, clock_timestamp()
         FROM ROWS FROM (unnest(${typesSql}::text[]), json_array_elements(${payloadsSql}::json)) WITH ORDINALITY AS t(type, payload, n)${joinSql}
         JOIN webhook_endpoints e ON e.organization_id = ${organizationIdSql} AND e.deleted_at IS NULL AND e.enabled AND t.type = ANY(e.events)
        ORDER BY t.n, e.id`;
}

/** WebhookEventsRepository.enqueueAll. */
const ENQUEUE_ALL_SQL = `${enqueueEventsSql('$1', '$2', '$3', '')} RETURNING endpoint_id`;

export class WebhookEventsRepository {
  constructor(private readonly ds: DataSource) {}

  /** Writes the event for every enabled endpoint subscribed to its type; returns those endpoints. */
  enqueue(q: Queryable, organizationId: string, type: string, data: unknown): Promise<string[]> {
    return this.enqueueAll(q, organizationId, [{ type, data }]);
  }

  /**
   * Writes several events about one change in one statement, in the order given (order.created
   * before order.paid), for every endpoint subscribed to each; returns the endpoints written to.
   */
  async enqueueAll(q: Queryable, organizationId: string, events: { type: string; data: unknown }[]): Promise<string[]> {
    const { types, payloads } = webhookPayloads(events);
    const rows = await queryPrepared<{ endpoint_id: string }>(q, ENQUEUE_ALL_SQL, [organizationId, types, payloads]);
    return [...new Set(rows.map((r) => r.endpoint_id))];
  }

  /** Whether any enabled endpoint of the organization listens to `type` (skip building payloads). */
  async hasSubscribers(q: Queryable, organizationId: string, type: string): Promise<boolean> {
    const rows = await q.query(
      `SELECT 1 FROM webhook_endpoints WHERE organization_id = $1 AND deleted_at IS NULL AND enabled AND $2 = ANY(events) LIMIT 1`,
      [organizationId, type],
    );
    return rows.length > 0;
  }

  /** Endpoints of the organization with undelivered events (to kick their workflows). */
  async endpointsWithPending(organizationId: string): Promise<string[]> {
    const rows: { endpoint_id: string }[] = await this.ds.query(
      `SELECT DISTINCT endpoint_id FROM webhook_events WHERE organization_id = $1 AND succeeded IS NULL AND NOT skipped`,
      [organizationId],
    );
    return rows.map((r) => r.endpoint_id);
  }

  /** The oldest undelivered event of the endpoint and how many attempts it already had. */
  async nextPending(endpointId: string): Promise<{ id: string; attempts: number } | null> {
    const rows: { id: string; attempts: string }[] = await this.ds.query(
      `SELECT ev.id, (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_event_id = ev.id) AS attempts
         FROM webhook_events ev JOIN webhook_endpoints e ON e.id = ev.endpoint_id
        WHERE ev.endpoint_id = $1 AND ev.succeeded IS NULL AND NOT ev.skipped AND e.enabled AND e.deleted_at IS NULL
        ORDER BY ev.created_at, ev.id LIMIT 1`,
      [endpointId],
    );
    return rows[0] ? { id: rows[0].id, attempts: Number(rows[0].attempts) } : null;
  }

  async eventWithEndpoint(eventId: string): Promise<{ event: WebhookEventRow; endpoint: EndpointForDelivery } | null> {
    const rows = await this.ds.query(
      `SELECT ev.*, e.url AS e_url, e.secret AS e_secret, e.format AS e_format, e.enabled AS e_enabled
         FROM webhook_events ev JOIN webhook_endpoints e ON e.id = ev.endpoint_id WHERE ev.id = $1`,
      [eventId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      event: r,
      endpoint: { id: r.endpoint_id, url: r.e_url, secret: r.e_secret, format: r.e_format, enabled: r.e_enabled },
    };
  }

  async recordDelivery(
    event: WebhookEventRow,
    attempt: number,
    result: { succeeded: boolean; httpCode: number | null; response: string | null; durationMs: number },
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO webhook_deliveries (organization_id, endpoint_id, webhook_event_id, attempt, succeeded, http_code, response, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [event.organization_id, event.endpoint_id, event.id, attempt, result.succeeded, result.httpCode, result.response, result.durationMs],
    );
    await this.ds.query(`UPDATE webhook_events SET last_http_code = $2, modified_at = now() WHERE id = $1`, [event.id, result.httpCode]);
  }

  /**
   * Settles an event. Consecutive failed events are counted on the endpoint; the tenth disables
   * it and skips what is still queued for it. Settling twice (an activity retried after its
   * commit) or a skipped event changes nothing. Returns whether the endpoint is now disabled.
   */
  async finish(eventId: string, succeeded: boolean, disableAfter: number): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      const [ev] = unwrapRows<{ endpoint_id: string }>(
        await em.query(
          `UPDATE webhook_events SET succeeded = $2, modified_at = now()
          WHERE id = $1 AND succeeded IS NULL AND NOT skipped RETURNING endpoint_id`,
          [eventId, succeeded],
        ),
      );
      if (!ev) {
        const [settled] = await em.query(
          `SELECT e.enabled FROM webhook_events ev JOIN webhook_endpoints e ON e.id = ev.endpoint_id WHERE ev.id = $1`,
          [eventId],
        );
        return settled ? !settled.enabled : false;
      }
      const [endpoint] = unwrapRows<{ enabled: boolean }>(
        await em.query(
          `UPDATE webhook_endpoints
            SET consecutive_failures = CASE WHEN $2 THEN 0 ELSE consecutive_failures + 1 END,
                enabled = CASE WHEN NOT $2 AND consecutive_failures + 1 >= $3 THEN false ELSE enabled END,
                modified_at = now()
          WHERE id = $1 RETURNING enabled`,
          [ev.endpoint_id, succeeded, disableAfter],
        ),
      );
      const disabled = endpoint ? !endpoint.enabled : false;
      if (disabled) await this.skipPending(ev.endpoint_id, em);
      return disabled;
    });
  }

  /** A disabled or deleted endpoint is not sent what was queued for it (Polar marks it skipped). */
  async skipPending(endpointId: string, q: Queryable = this.ds): Promise<void> {
    await q.query(
      `UPDATE webhook_events SET skipped = true, modified_at = now() WHERE endpoint_id = $1 AND succeeded IS NULL AND NOT skipped`,
      [endpointId],
    );
  }

  /** Redeliver: a fresh copy of the event's payload queued for its endpoint. */
  async requeue(organizationId: string, eventId: string): Promise<string | null> {
    const rows: { endpoint_id: string }[] = await this.ds.query(
      `INSERT INTO webhook_events (organization_id, endpoint_id, type, payload)
       SELECT organization_id, endpoint_id, type, payload FROM webhook_events WHERE id = $1 AND organization_id = $2
       RETURNING endpoint_id`,
      [eventId, organizationId],
    );
    return rows[0]?.endpoint_id ?? null;
  }
}
