// The command outbox (engine_commands): intents the API commits with its change (fan-outs, subscription signals, grant
// commands), dispatched by the worker's dispatcher once committed and, when that fails, retried.
import type { DataSource } from 'typeorm';
import { unwrapRows } from '../sql';
import { notifyEngineWorkSql } from './engine-work-notifications';
import type { Queryable } from '../sql';

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
  /** The task queue whose worker dispatches it (see the dispatch-leases migration). */
  taskQueue: string;
}

/** Longest wait between two attempts at a command that keeps failing. */
const MAX_BACKOFF_SECONDS = 3600;

export class EngineCommandsRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Inserts in the caller's transaction, so the command commits (or not) with the change, and wakes
   * the worker's dispatcher at that commit. created_at is the clock's, not the transaction's start:
   * commands recorded in one transaction are dispatched in the order recorded. `leaseSeconds`: the caller dispatches it itself (and
   * waits for it); the dispatcher takes it only if it is still undispatched after that.
   */
  async insert(q: Queryable, c: EngineCommandInsert, leaseSeconds = 0): Promise<EngineCommandRow> {
    const rows: (EngineCommandRow & { notified: unknown })[] = await q.query(
      `WITH c AS (
         INSERT INTO engine_commands (id, organization_id, kind, payload, next_attempt_at, task_queue, created_at)
         VALUES ($1, $2, $3, $4::jsonb, now() + make_interval(secs => $5), $6, clock_timestamp()) RETURNING *)
       SELECT c.*, ${notifyEngineWorkSql('command', 'c.organization_id')} AS notified FROM c`,
      [c.id, c.organizationId, c.kind, JSON.stringify(c.payload), leaseSeconds, c.taskQueue],
    );
    const { notified: _notified, ...row } = rows[0];
    return row;
  }

  /**
   * Claims up to `limit` undispatched commands whose next attempt is due, committed at least
   * `olderThanSeconds` ago, oldest first: their next attempt moves `leaseSeconds` ahead, so no other
   * dispatcher takes them meanwhile (SKIP LOCKED: concurrent claimers take disjoint rows).
   */
  async claimDue(taskQueue: string, limit: number, leaseSeconds: number, olderThanSeconds = 0): Promise<EngineCommandRow[]> {
    return unwrapRows<EngineCommandRow>(
      await this.ds.query(
        `WITH claimed AS (
           UPDATE engine_commands SET next_attempt_at = now() + make_interval(secs => $2)
            WHERE id IN (
              SELECT id FROM engine_commands
               WHERE dispatched_at IS NULL AND created_at <= now() - make_interval(secs => $3) AND next_attempt_at <= now()
                 AND (task_queue = $4 OR task_queue IS NULL)
               ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING *)
         -- RETURNING keeps no order: the dispatcher relies on oldest first.
         SELECT * FROM claimed ORDER BY created_at, id`,
        [limit, leaseSeconds, olderThanSeconds, taskQueue],
      ),
    );
  }

  async markDispatched(id: string): Promise<void> {
    await this.ds.query(`UPDATE engine_commands SET dispatched_at = now() WHERE id = $1 AND dispatched_at IS NULL`, [id]);
  }

  /**
   * Counts the failure and stores its error; with `backoff` (the relay's attempts) also pushes the
   * next attempt back exponentially (2, 4, 8 s ... 1 h). Without (the API's own attempt at a command
   * it waits for) the command is due at once: the worker's dispatcher takes it from there.
   */
  async markFailed(id: string, error: string, backoff: boolean): Promise<EngineCommandRow | null> {
    const rows = unwrapRows<EngineCommandRow>(
      await this.ds.query(
        `UPDATE engine_commands
          SET attempts = attempts + 1, last_error = left($2, 2000),
              next_attempt_at = CASE WHEN $4 THEN now() + make_interval(secs => least(power(2, attempts + 1), $3)) ELSE now() END
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
