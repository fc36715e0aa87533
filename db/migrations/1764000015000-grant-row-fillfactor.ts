import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A grant row is updated two or three times in its life (granted, revoked, a renewal's cycle),
 * and an order row twice by the dispatcher (its lease, then its started mark). With full pages
 * (fillfactor 100) each update's new row version lands on another page, and PostgreSQL writes an
 * entry for it in every index of the table: seven for benefit_grants. Room left on each page lets
 * an update that changes no indexed column stay on its page with no index write (a HOT update).
 * Only pages written from now on keep the room; a VACUUM FULL would give it to existing ones.
 */
export class GrantRowFillfactor1764000015000 implements MigrationInterface {
  name = 'GrantRowFillfactor1764000015000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE benefit_grants SET (fillfactor = 70)`);
    await q.query(`ALTER TABLE orders SET (fillfactor = 80)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders RESET (fillfactor)`);
    await q.query(`ALTER TABLE benefit_grants RESET (fillfactor)`);
  }
}
