// Queuing `customer.state_changed`, shared by the activities and the API that change a customer's
// grants. The payload's shape is the caller's (Polar's wire shapes live above db/), so it comes in
// as `toPayload`.
import type { DataSource, EntityManager } from 'typeorm';
import { CustomersRepository, type CustomerStateRow } from './customers.repository';
import { WebhookEventsRepository } from './webhook-events.repository';

/**
 * Queues `customer.state_changed` for a customer (skipped once the customer is deleted). The
 * customer row is locked first: two grants of one customer changing at once would otherwise each
 * read the other's old state, and the last event sent would not show the final state. Waiting for
 * the lock, the later transaction reads the earlier one's commit (READ COMMITTED).
 */
export async function enqueueCustomerStateEvent(
  em: EntityManager,
  organizationId: string,
  customerId: string,
  toPayload: (state: CustomerStateRow) => Record<string, unknown>,
): Promise<boolean> {
  const webhookEvents = new WebhookEventsRepository(em as unknown as DataSource);
  // Building the state is the costly part of a grant's transaction: only when someone listens.
  if (!(await webhookEvents.hasSubscribers(em, organizationId, 'customer.state_changed'))) return false;
  await em.query(`SELECT 1 FROM customers WHERE id = $1 FOR NO KEY UPDATE`, [customerId]);
  // The repository only needs `query`, which the transaction's manager provides.
  const state = await new CustomersRepository(em as unknown as DataSource).state(organizationId, { id: customerId });
  if (!state) return false;
  return (await webhookEvents.enqueue(em, organizationId, 'customer.state_changed', toPayload(state))).length > 0;
}
