import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The worker's dispatcher (engine/pending-work-dispatcher.ts) starts the workflows of orders and
 * subscriptions the API committed. It claims rows for a while (a lease) so that several workers,
 * and the outbox relay, do not start the same row's workflows at once; a lease that runs out
 * (its worker died, or Temporal refused the start) lets another claim it. Engine commands use
 * their next_attempt_at the same way.
 * Each row names the task queue of the API that wrote it, and a dispatcher takes only its own
 * queue's rows: deployments (or test files) sharing a database never run each other's work. Rows
 * from before this migration have none, and any dispatcher takes them.
 */
export class DispatchLeases1764000014000 implements MigrationInterface {
  name = 'DispatchLeases1764000014000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders ADD COLUMN dispatch_lease_until timestamptz, ADD COLUMN task_queue text`);
    await q.query(`ALTER TABLE subscriptions ADD COLUMN dispatch_lease_until timestamptz, ADD COLUMN task_queue text`);
    await q.query(`ALTER TABLE engine_commands ADD COLUMN task_queue text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE engine_commands DROP COLUMN task_queue`);
    await q.query(`ALTER TABLE subscriptions DROP COLUMN dispatch_lease_until, DROP COLUMN task_queue`);
    await q.query(`ALTER TABLE orders DROP COLUMN dispatch_lease_until, DROP COLUMN task_queue`);
  }
}
