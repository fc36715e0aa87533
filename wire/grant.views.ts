// Grants as the API shows them: organization view (BenefitGrant) and customer portal view
// (CustomerBenefitGrant<Type>), loaded in three queries whatever the page size.
import type { DataSource } from 'typeorm';
import { BenefitsRepository } from '../db/repositories/benefits.repository';
import { CustomersRepository } from '../db/repositories/customers.repository';
import { GrantsRepository, type GrantRow, type Queryable } from '../db/repositories/grants.repository';
import { OrganizationsRepository } from '../db/repositories/organizations.repository';
import { serializeSubscriberOrganization } from './benefit-subscriber.serializer';
import { serializeGrant } from './grant.serializer';
import { serializePortalGrant, type CustomerBenefitGrant } from './portal-grant.serializer';

interface Loaded {
  grants: GrantRow[];
  benefits: Map<string, any>;
  customers: Map<string, any>;
}

/**
 * Views run on a DataSource or inside a transaction's EntityManager, so every call passes `q` and
 * the repositories' own source is never used.
 */
function repos(q: Queryable) {
  const ds = q as DataSource;
  return {
    grants: new GrantsRepository(ds),
    benefits: new BenefitsRepository(ds),
    customers: new CustomersRepository(ds),
    organizations: new OrganizationsRepository(ds),
  };
}

async function load(q: Queryable, ids: string[]): Promise<Loaded> {
  if (ids.length === 0) return { grants: [], benefits: new Map(), customers: new Map() };
  const r = repos(q);
  const rows = await r.grants.findRows(ids, q);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const grants = ids.map((id) => byId.get(id)).filter((g): g is GrantRow => !!g);
  const benefits = await r.benefits.findRows([...new Set(grants.map((g) => g.benefit_id))], q);
  const customers = await r.customers.findRows([...new Set(grants.map((g) => g.customer_id))], q);
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
  const orgs = await repos(q).organizations.findRows([...new Set(l.grants.map((g) => g.organization_id))], q);
  const orgById = new Map(orgs.map((o) => [o.id, serializeSubscriberOrganization(o)]));
  return l.grants.map((g) =>
    serializePortalGrant(g, l.benefits.get(g.benefit_id), l.customers.get(g.customer_id), orgById.get(g.organization_id)!),
  );
}
