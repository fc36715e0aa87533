import { z } from 'zod';
import { paginationQuery } from '../pagination';
import { multi, queryBool, uuid } from '../validation';

/** Polar's refunds:list filters. */
export const refundListQuery = z.object({
  ...paginationQuery,
  id: multi(uuid),
  organization_id: multi(uuid),
  order_id: multi(uuid),
  subscription_id: multi(uuid),
  customer_id: multi(uuid),
  external_customer_id: multi(z.string().min(1).max(255)),
  succeeded: queryBool.optional(),
  sorting: z.unknown().optional(),
});

/** RefundSortProperty: created_at and amount, either direction. */
export const refundSortColumns: Record<string, string> = {
  created_at: 'r.created_at',
  amount: 'r.amount',
};
