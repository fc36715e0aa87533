import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds are stored (listed by GET /v1/refunds/). `idempotency_key` is the caller's key, or one
 * derived from the request when none was given; `request_hash` tells a retry from a key reused
 * for another refund.
 */
export class Refunds1764000008000 implements MigrationInterface {
  name = 'Refunds1764000008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE refunds (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      created_at timestamptz NOT NULL DEFAULT now(),
      modified_at timestamptz,
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      order_id uuid NOT NULL REFERENCES orders(id),
      subscription_id uuid REFERENCES subscriptions(id),
      customer_id uuid NOT NULL REFERENCES customers(id),
      status text NOT NULL DEFAULT 'succeeded',
      reason text NOT NULL,
      amount integer NOT NULL CHECK (amount > 0),
      tax_amount integer NOT NULL DEFAULT 0,
      currency text NOT NULL,
      comment text,
      revoke_benefits boolean NOT NULL DEFAULT false,
      metadata jsonb NOT NULL DEFAULT '{}',
      idempotency_key text NOT NULL,
      request_hash text NOT NULL
    )`);
    await q.query(`CREATE UNIQUE INDEX refunds_idem_uq ON refunds (organization_id, idempotency_key)`);
    await q.query(`CREATE INDEX refunds_org_idx ON refunds (organization_id, created_at)`);
    await q.query(`CREATE INDEX refunds_order_idx ON refunds (order_id)`);
    await q.query(`CREATE INDEX refunds_customer_idx ON refunds (customer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refunds`);
  }
}
