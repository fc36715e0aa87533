import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * engine_commands: a transactional outbox of engine intents (fan-outs, subscription signals, grant
 * commands), written in the transaction of the change that needs them; the API dispatches each
 * right after its commit and the outbox relay dispatches whatever that missed. Plus indexes for
 * the relay's older scans (orders and subscriptions not yet started, deleted benefits, webhook
 * events not yet delivered), which otherwise read whole tables every pass.
 */
export class EngineCommands1764000005000 implements MigrationInterface {
  name = 'EngineCommands1764000005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE engine_commands (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        kind text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX engine_commands_pending_idx ON engine_commands (created_at, id) WHERE dispatched_at IS NULL`);
    await q.query(`CREATE INDEX engine_commands_dispatched_idx ON engine_commands (dispatched_at) WHERE dispatched_at IS NOT NULL`);
    await q.query(`CREATE INDEX orders_workflow_pending_idx ON orders (created_at, id) WHERE workflow_started_at IS NULL`);
    await q.query(`CREATE INDEX subscriptions_workflow_pending_idx ON subscriptions (created_at, id) WHERE workflow_started_at IS NULL`);
    await q.query(`CREATE INDEX benefits_deleted_idx ON benefits (deleted_at, id) WHERE deleted_at IS NOT NULL`);
    await q.query(`CREATE INDEX webhook_events_undelivered_idx ON webhook_events (created_at) WHERE succeeded IS NULL AND NOT skipped`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_events_undelivered_idx`);
    await q.query(`DROP INDEX benefits_deleted_idx`);
    await q.query(`DROP INDEX subscriptions_workflow_pending_idx`);
    await q.query(`DROP INDEX orders_workflow_pending_idx`);
    await q.query(`DROP TABLE engine_commands`);
  }
}
