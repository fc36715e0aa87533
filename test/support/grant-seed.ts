// Rows for workflow tests that run the real activities without the API: an organization, a
// customer, one benefit, a purchase order and its grant (its workflow not started yet).
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import type { GrantWorkflowInput } from '../../workflows/definitions';

export interface SeededBenefit {
  type: string;
  description: string;
  properties: Record<string, unknown>;
}

/** The grant's workflow input; the organization is named `<organizationName> <uuid>`. */
export async function seedOrderGrant(ds: DataSource, organizationName: string, benefit: SeededBenefit): Promise<GrantWorkflowInput> {
  const { organization } = await new OrganizationsRepository(ds).createWithToken(`${organizationName} ${randomUUID()}`);
  const org = organization.id;
  const [customer] = await ds.query(`INSERT INTO customers (organization_id, email) VALUES ($1, $2) RETURNING id`, [
    org,
    `${randomUUID()}@example.com`,
  ]);
  const [row] = await ds.query(
    `INSERT INTO benefits (organization_id, type, description, properties) VALUES ($1, $2, $3, $4) RETURNING id`,
    [org, benefit.type, benefit.description, JSON.stringify(benefit.properties)],
  );
  const [order] = await ds.query(
    // Started: the test drives this grant's workflow itself, no dispatcher is to.
    `INSERT INTO orders (organization_id, customer_id, billing_reason, workflow_started_at) VALUES ($1, $2, 'purchase', now()) RETURNING id`,
    [org, customer.id],
  );
  const [grant] = await ds.query(
    `INSERT INTO benefit_grants (organization_id, customer_id, benefit_id, order_id) VALUES ($1, $2, $3, $4) RETURNING id`,
    [org, customer.id, row.id, order.id],
  );
  return { grantId: grant.id, organizationId: org, customerId: customer.id, benefitId: row.id, benefitType: benefit.type };
}
