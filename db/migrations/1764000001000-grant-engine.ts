import { MigrationInterface, QueryRunner } from 'typeorm';

/** Products, benefits, customers, orders, subscriptions, grants, their audit trail and webhooks. */
export class GrantEngine1764000001000 implements MigrationInterface {
  name = 'GrantEngine1764000001000';

  async up(q: QueryRunner): Promise<void> {
    const statements = [
      `CREATE TABLE products (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        description text,
        visibility text NOT NULL DEFAULT 'public',
        recurring_interval text CHECK (recurring_interval IN ('day','week','month','year')),
        recurring_interval_count integer,
        is_archived boolean NOT NULL DEFAULT false,
        metadata jsonb NOT NULL DEFAULT '{}',
        prices jsonb NOT NULL DEFAULT '[]'
      )`,
      `CREATE INDEX products_org_idx ON products (organization_id, created_at)`,
      `CREATE TABLE benefits (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        deleted_at timestamptz,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        type text NOT NULL,
        description text NOT NULL,
        selectable boolean NOT NULL DEFAULT true,
        deletable boolean NOT NULL DEFAULT true,
        metadata jsonb NOT NULL DEFAULT '{}',
        properties jsonb NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX benefits_org_idx ON benefits (organization_id, created_at) WHERE deleted_at IS NULL`,
      `CREATE TABLE product_benefits (
        product_id uuid NOT NULL REFERENCES products(id) ON DELETE CASCADE,
        benefit_id uuid NOT NULL REFERENCES benefits(id) ON DELETE CASCADE,
        position integer NOT NULL,
        PRIMARY KEY (product_id, benefit_id)
      )`,
      `CREATE INDEX product_benefits_benefit_idx ON product_benefits (benefit_id)`,
      `CREATE TABLE customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        deleted_at timestamptz,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        external_id text,
        email text NOT NULL,
        email_verified boolean NOT NULL DEFAULT false,
        name text,
        billing_address jsonb,
        tax_id jsonb,
        locale text,
        metadata jsonb NOT NULL DEFAULT '{}'
      )`,
      `CREATE UNIQUE INDEX customers_org_email_uq ON customers (organization_id, lower(email)) WHERE deleted_at IS NULL`,
      `CREATE UNIQUE INDEX customers_org_external_uq ON customers (organization_id, external_id) WHERE deleted_at IS NULL AND external_id IS NOT NULL`,
      `CREATE INDEX customers_org_idx ON customers (organization_id, created_at)`,
      `CREATE TABLE subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id),
        product_id uuid NOT NULL REFERENCES products(id),
        status text NOT NULL,
        amount integer NOT NULL DEFAULT 0,
        currency text NOT NULL DEFAULT 'usd',
        recurring_interval text NOT NULL,
        recurring_interval_count integer NOT NULL DEFAULT 1,
        current_period_start timestamptz NOT NULL,
        current_period_end timestamptz NOT NULL,
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        canceled_at timestamptz,
        started_at timestamptz,
        ends_at timestamptz,
        ended_at timestamptz,
        past_due_at timestamptz,
        customer_cancellation_reason text,
        customer_cancellation_comment text,
        metadata jsonb NOT NULL DEFAULT '{}',
        idempotency_key text,
        workflow_started_at timestamptz
      )`,
      `CREATE INDEX subscriptions_org_idx ON subscriptions (organization_id, created_at)`,
      `CREATE INDEX subscriptions_product_idx ON subscriptions (product_id)`,
      `CREATE INDEX subscriptions_customer_idx ON subscriptions (customer_id)`,
      `CREATE UNIQUE INDEX subscriptions_idem_uq ON subscriptions (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
      `CREATE TABLE orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id),
        product_id uuid REFERENCES products(id),
        subscription_id uuid REFERENCES subscriptions(id),
        status text NOT NULL DEFAULT 'paid',
        billing_reason text NOT NULL,
        subtotal_amount integer NOT NULL DEFAULT 0,
        discount_amount integer NOT NULL DEFAULT 0,
        tax_amount integer NOT NULL DEFAULT 0,
        refunded_amount integer NOT NULL DEFAULT 0,
        currency text NOT NULL DEFAULT 'usd',
        metadata jsonb NOT NULL DEFAULT '{}',
        idempotency_key text,
        workflow_started_at timestamptz
      )`,
      `CREATE INDEX orders_org_idx ON orders (organization_id, created_at)`,
      `CREATE INDEX orders_product_idx ON orders (product_id)`,
      `CREATE INDEX orders_customer_idx ON orders (customer_id)`,
      `CREATE UNIQUE INDEX orders_idem_uq ON orders (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
      `CREATE TABLE benefit_grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id),
        benefit_id uuid NOT NULL REFERENCES benefits(id),
        member_id uuid,
        subscription_id uuid REFERENCES subscriptions(id),
        order_id uuid REFERENCES orders(id),
        granted_at timestamptz,
        revoked_at timestamptz,
        properties jsonb NOT NULL DEFAULT '{}',
        error jsonb,
        CONSTRAINT benefit_grants_scope_uq UNIQUE NULLS NOT DISTINCT (customer_id, benefit_id, member_id, subscription_id, order_id)
      )`,
      `CREATE INDEX benefit_grants_org_idx ON benefit_grants (organization_id, created_at)`,
      `CREATE INDEX benefit_grants_benefit_idx ON benefit_grants (benefit_id, id)`,
      `CREATE INDEX benefit_grants_customer_idx ON benefit_grants (customer_id)`,
      `CREATE INDEX benefit_grants_subscription_idx ON benefit_grants (subscription_id) WHERE subscription_id IS NOT NULL`,
      `CREATE INDEX benefit_grants_order_idx ON benefit_grants (order_id) WHERE order_id IS NOT NULL`,
      // Audit trail: every transition of every grant, append-only.
      `CREATE TABLE benefit_grant_events (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        organization_id uuid NOT NULL,
        grant_id uuid NOT NULL REFERENCES benefit_grants(id) ON DELETE CASCADE,
        kind text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX benefit_grant_events_grant_idx ON benefit_grant_events (grant_id, id)`,
      `CREATE TABLE customer_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        return_url text,
        expires_at timestamptz NOT NULL
      )`,
      `CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        deleted_at timestamptz,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text,
        url text NOT NULL,
        format text NOT NULL DEFAULT 'raw',
        secret text NOT NULL,
        events text[] NOT NULL DEFAULT '{}',
        enabled boolean NOT NULL DEFAULT true,
        consecutive_failures integer NOT NULL DEFAULT 0
      )`,
      `CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (organization_id) WHERE deleted_at IS NULL`,
      `CREATE TABLE webhook_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        type text NOT NULL,
        payload text NOT NULL,
        succeeded boolean,
        last_http_code integer,
        skipped boolean NOT NULL DEFAULT false
      )`,
      `CREATE INDEX webhook_events_endpoint_idx ON webhook_events (endpoint_id, created_at)`,
      `CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        modified_at timestamptz,
        organization_id uuid NOT NULL,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        webhook_event_id uuid NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        succeeded boolean NOT NULL,
        http_code integer,
        response text,
        duration_ms integer
      )`,
      `CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at)`,
      `CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (webhook_event_id)`,
    ];
    for (const sql of statements) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'webhook_deliveries',
      'webhook_events',
      'webhook_endpoints',
      'customer_sessions',
      'benefit_grant_events',
      'benefit_grants',
      'orders',
      'subscriptions',
      'customers',
      'product_benefits',
      'benefits',
      'products',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
