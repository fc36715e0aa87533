import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every state-changing activity asks which endpoints of its organization have undelivered events;
 * without this index that is a scan of every event ever written.
 */
export class WebhookPendingIndex1764000003000 implements MigrationInterface {
  name = 'WebhookPendingIndex1764000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX webhook_events_pending_idx ON webhook_events (organization_id, endpoint_id, created_at) WHERE succeeded IS NULL AND NOT skipped`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_events_pending_idx`);
  }
}
