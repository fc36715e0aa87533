// The API's grant listings (GET /v1/benefit-grants/, the customer portal's grants): filtered,
// sorted, paged ids of one organization's grants; the caller loads and serializes them.
import { SqlWhere, type Queryable } from '../sql';

export interface GrantListFilters {
  benefitIds?: string[];
  customerIds?: string[];
  externalCustomerIds?: string[];
  isGranted?: boolean;
  memberIds?: string[];
  orderIds?: string[];
  subscriptionIds?: string[];
  types?: string[];
}

/** Filtered, paged grant ids of an organization (the API then loads and serializes them). */
export async function listGrantIds(
  q: Queryable,
  organizationId: string,
  f: GrantListFilters,
  orderSql: string,
  limit: number,
  offset: number,
): Promise<{ ids: string[]; total: number }> {
  const where = new SqlWhere().add('g.organization_id = ?', organizationId).add('b.deleted_at IS NULL');
  if (f.benefitIds) where.add('g.benefit_id = ANY(?::uuid[])', f.benefitIds);
  if (f.customerIds) where.add('g.customer_id = ANY(?::uuid[])', f.customerIds);
  if (f.externalCustomerIds) where.add('c.external_id = ANY(?::text[])', f.externalCustomerIds);
  if (f.memberIds) where.add('g.member_id = ANY(?::uuid[])', f.memberIds);
  if (f.orderIds) where.add('g.order_id = ANY(?::uuid[])', f.orderIds);
  if (f.subscriptionIds) where.add('g.subscription_id = ANY(?::uuid[])', f.subscriptionIds);
  if (f.types) where.add('b.type = ANY(?::text[])', f.types);
  if (f.isGranted !== undefined) where.add(f.isGranted ? 'g.granted_at IS NOT NULL' : 'g.granted_at IS NULL');
  const from = `FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id JOIN customers c ON c.id = g.customer_id ${where.toSql()}`;
  const [{ total }] = await q.query(`SELECT count(*)::int AS total ${from}`, where.params);
  const rows: { id: string }[] = await q.query(
    `SELECT g.id ${from} ORDER BY ${orderSql}, g.id LIMIT ${Number(limit)} OFFSET ${Number(offset)}`,
    where.params,
  );
  return { ids: rows.map((r) => r.id), total };
}
