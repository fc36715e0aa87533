// Grants as the API shows them: organization view (BenefitGrant) and customer portal view
// (CustomerBenefitGrant<Type>), loaded in three queries whatever the page size.
import { customerColumns } from '../db/repositories/customers.repository';
import type { GrantRow, Queryable } from '../db/repositories/grants.repository';
import { serializeSubscriberOrganization } from './benefit-subscriber.serializer';
import { serializeGrant } from './grant.serializer';
import { serializePortalGrant, type CustomerBenefitGrant } from './portal-grant.serializer';

interface Loaded {
  grants: GrantRow[];
  benefits: Map<string, any>;
  customers: Map<string, any>;
}

async function load(q: Queryable, ids: string[]): Promise<Loaded> {
  if (ids.length === 0) return { grants: [], benefits: new Map(), customers: new Map() };
  const rows: GrantRow[] = await q.query(`SELECT * FROM benefit_grants WHERE id = ANY($1::uuid[])`, [ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const grants = ids.map((id) => byId.get(id)).filter((g): g is GrantRow => !!g);
  const benefits: any[] = await q.query(`SELECT * FROM benefits WHERE id = ANY($1::uuid[])`, [
    [...new Set(grants.map((g) => g.benefit_id))],
  ]);
  const customers: any[] = await q.query(`SELECT ${customerColumns()} FROM customers c WHERE c.id = ANY($1::uuid[])`, [
    [...new Set(grants.map((g) => g.customer_id))],
  ]);
  return { grants, benefits: new Map(benefits.map((b) => [b.id, b])), customers: new Map(customers.map((c) => [c.id, c])) };
}

export async function grantViews(q: Queryable, ids: string[]): Promise<Record<string, unknown>[]> {
  const l = await load(q, ids);
  return l.grants.map((g) => serializeGrant(g, l.benefits.get(g.benefit_id), l.customers.get(g.customer_id)));
}

/** Customer portal grants: each embeds the benefit as its subscriber sees it, never the merchant's. */
export async function portalGrantViews(q: Queryable, ids: string[]): Promise<CustomerBenefitGrant[]> {
  const l = await load(q, ids);
  if (l.grants.length === 0) return [];
  const orgs: any[] = await q.query(`SELECT * FROM organizations WHERE id = ANY($1::uuid[])`, [
    [...new Set(l.grants.map((g) => g.organization_id))],
  ]);
  const orgById = new Map(orgs.map((o) => [o.id, serializeSubscriberOrganization(o)]));
  return l.grants.map((g) =>
    serializePortalGrant(g, l.benefits.get(g.benefit_id), l.customers.get(g.customer_id), orgById.get(g.organization_id)!),
  );
}
