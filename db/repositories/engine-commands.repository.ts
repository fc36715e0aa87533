// The command outbox (engine_commands): intents the API commits with its change (fan-outs, subscription signals, grant
// commands), dispatched right after the commit and, when that fails, by the outbox relay.
import type { DataSource } from 'typeorm';
import { unwrapRows } from '../sql';
import type { Queryable } from './grants.repository';

export interface EngineCommandRow {
  id: string;
  organization_id: string;
  kind: string;
  payload: Record<string, unknown>;
  created_at: Date;
  dispatched_at: Date | null;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
}

/** What the API keeps of a command it recorded, to dispatch it after the commit. */
export type RecordedCommand = Pick<EngineCommandRow, 'id' | 'kind' | 'payload'>;

export interface EngineCommandInsert {
  /** Chosen by the caller when the payload names it (a fan-out's workflow id). */
  id: string;
  organizationId: string;
  kind: string;
  payload: Record<string, unknown>;
}

/** Longest wait between two attempts at a command that keeps failing. */
const MAX_BACKOFF_SECONDS = 3600;

export class EngineCommandsRepository {
  constructor(private readonly ds: DataSource) {}

  /** Inserts in the caller's transaction, so the command commits (or not) with the change. */
  async insert(q: Queryable, c: EngineCommandInsert): Promise<EngineCommandRow> {
    const rows: EngineCommandRow[] = await q.query(
      `INSERT INTO engine_commands (id, organization_id, kind, payload) VALUES ($1, $2, $3, $4::jsonb) RETURNING *`,
      [c.id, c.organizationId, c.kind, JSON.stringify(c.payload)],
    );
    return rows[0];
  }

  /** Undispatched commands older than `olderThanSeconds` whose next attempt is due, oldest first. */
  async due(olderThanSeconds: number, limit: number): Promise<EngineCommandRow[]> {
    return this.ds.query(
      `SELECT * FROM engine_commands
        WHERE dispatched_at IS NULL AND created_at < now() - make_interval(secs => $1) AND next_attempt_at <= now()
        ORDER BY created_at, id LIMIT $2`,
      [olderThanSeconds, limit],
    );
  }

  async markDispatched(id: string): Promise<void> {
    await this.ds.query(`UPDATE engine_commands SET dispatched_at = now() WHERE id = $1 AND dispatched_at IS NULL`, [id]);
  }

  /**
   * Counts the failure and stores its error; with `backoff` (the relay's attempts) also pushes the
   * next attempt back exponentially (2, 4, 8 s ... 1 h). The API's own first attempt sets no
   * backoff: the relay only takes commands a little older anyway.
   */
  async markFailed(id: string, error: string, backoff: boolean): Promise<EngineCommandRow | null> {
    const rows = unwrapRows<EngineCommandRow>(
      await this.ds.query(
        `UPDATE engine_commands
          SET attempts = attempts + 1, last_error = left($2, 2000),
              next_attempt_at = CASE WHEN $4 THEN now() + make_interval(secs => least(power(2, attempts + 1), $3)) ELSE next_attempt_at END
        WHERE id = $1 AND dispatched_at IS NULL RETURNING *`,
        [id, error, MAX_BACKOFF_SECONDS, backoff],
      ),
    );
    return rows[0] ?? null;
  }

  async findById(id: string): Promise<EngineCommandRow | null> {
    const rows = await this.ds.query(`SELECT * FROM engine_commands WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Deletes up to `limit` commands dispatched more than `days` ago; returns how many. */
  async prune(days: number, limit: number): Promise<number> {
    const rows = unwrapRows<{ id: string }>(
      await this.ds.query(
        `DELETE FROM engine_commands WHERE id IN (
         SELECT id FROM engine_commands WHERE dispatched_at IS NOT NULL AND dispatched_at < now() - make_interval(days => $1)
          ORDER BY dispatched_at LIMIT $2)
       RETURNING id`,
        [days, limit],
      ),
    );
    return rows.length;
  }
}
