// Helpers shared by activities that change state: the customer state payload and kicking the
// delivery workflows of endpoints with pending events.
import type { DataSource, EntityManager } from 'typeorm';
import { serializeCustomerState } from '../wire/customer.serializer';
import { CustomersRepository } from '../db/repositories/customers.repository';
import { WebhookEventsRepository } from '../db/repositories/webhook-events.repository';
import type { EngineDeps } from './engine-deps';

/**
 * Queues `customer.state_changed` for a customer (skipped once the customer is deleted). The
 * customer row is locked first: two grants of one customer changing at once would otherwise each
 * read the other's old state, and the last event sent would not show the final state. Waiting for
 * the lock, the later transaction reads the earlier one's commit (READ COMMITTED).
 */
export async function enqueueCustomerState(em: EntityManager, organizationId: string, customerId: string): Promise<void> {
  const outbox = new WebhookEventsRepository(em as unknown as DataSource);
  // Building the state is the costly part of a grant's transaction: only when someone listens.
  if (!(await outbox.hasSubscribers(em, organizationId, 'customer.state_changed'))) return;
  await em.query(`SELECT 1 FROM customers WHERE id = $1 FOR NO KEY UPDATE`, [customerId]);
  // The repository only needs `query`, which the transaction's manager provides.
  const state = await new CustomersRepository(em as unknown as DataSource).state(organizationId, { id: customerId });
  if (!state) return;
  await outbox.enqueue(em, organizationId, 'customer.state_changed', serializeCustomerState(state));
}

/** Signals each endpoint of the organization that has undelivered events (cheap when none). */
export async function kickOrganizationWebhooks(deps: Pick<EngineDeps, 'dataSource' | 'engine'>, organizationId: string): Promise<void> {
  const endpoints = await new WebhookEventsRepository(deps.dataSource).endpointsWithPending(organizationId);
  await Promise.all(endpoints.map((id) => deps.engine.kickWebhookEndpoint(id)));
}
