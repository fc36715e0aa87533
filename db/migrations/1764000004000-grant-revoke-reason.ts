import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a grant was revoked: a grant revoked for a final reason is never granted again, one revoked
 * because its benefit left the product (or a payment was overdue) may be once the scope lives.
 * Grants revoked before this column existed get the reason their scope shows today.
 */
export class GrantRevokeReason1764000004000 implements MigrationInterface {
  name = 'GrantRevokeReason1764000004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE benefit_grants ADD COLUMN revoke_reason text CONSTRAINT benefit_grants_revoke_reason_ck CHECK (revoke_reason IN (
         'scope_ended', 'past_due', 'refunded', 'customer_deleted', 'benefit_deleted', 'license_key_revoked', 'removed_from_product', 'unspecified'))`,
    );
    await q.query(
      `UPDATE benefit_grants g SET revoke_reason = CASE
          WHEN c.deleted_at IS NOT NULL THEN 'customer_deleted'
          WHEN b.deleted_at IS NOT NULL THEN 'benefit_deleted'
          WHEN s.id IS NOT NULL AND (s.ended_at IS NOT NULL OR s.status IN ('canceled', 'incomplete_expired')) THEN 'scope_ended'
          WHEN s.id IS NOT NULL AND s.status NOT IN ('active', 'trialing') THEN 'past_due'
          WHEN o.id IS NOT NULL AND o.status <> 'paid' THEN 'refunded'
          WHEN EXISTS (SELECT 1 FROM license_keys lk WHERE lk.grant_id = g.id AND lk.status = 'revoked')
           AND EXISTS (SELECT 1 FROM product_benefits pb WHERE pb.product_id = coalesce(s.product_id, o.product_id) AND pb.benefit_id = g.benefit_id)
            THEN 'license_key_revoked'
          WHEN NOT EXISTS (SELECT 1 FROM product_benefits pb WHERE pb.product_id = coalesce(s.product_id, o.product_id) AND pb.benefit_id = g.benefit_id)
            THEN 'removed_from_product'
          ELSE 'unspecified' END
        FROM customers c, benefits b, benefit_grants g2
        LEFT JOIN subscriptions s ON s.id = g2.subscription_id
        LEFT JOIN orders o ON o.id = g2.order_id
        WHERE g2.id = g.id AND c.id = g.customer_id AND b.id = g.benefit_id AND g.revoked_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE benefit_grants DROP COLUMN revoke_reason`);
  }
}
