import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The worker's dispatcher (engine/pending-work-dispatcher.ts) starts the workflows of orders and
 * subscriptions the API committed. It claims rows for a while (a lease) so that several workers,
 * and the outbox relay, do not start the same row's workflows at once; a lease that runs out
 * (its worker died, or Temporal refused the start) lets another claim it. Engine commands use
 * their next_attempt_at the same way.
 */
export class DispatchLeases1764000014000 implements MigrationInterface {
  name = 'DispatchLeases1764000014000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders ADD COLUMN dispatch_lease_until timestamptz`);
    await q.query(`ALTER TABLE subscriptions ADD COLUMN dispatch_lease_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscriptions DROP COLUMN dispatch_lease_until`);
    await q.query(`ALTER TABLE orders DROP COLUMN dispatch_lease_until`);
  }
}
