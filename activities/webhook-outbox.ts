// The customer state payload, queued by activities that change a customer's grants.
import type { EntityManager } from 'typeorm';
import { enqueueCustomerStateEvent } from '../db/repositories/customer-state-events';
import { serializeCustomerState } from '../wire/customer.serializer';

/** Queues `customer.state_changed` with Polar's customer state (see enqueueCustomerStateEvent); true when written. */
export function enqueueCustomerState(em: EntityManager, organizationId: string, customerId: string): Promise<boolean> {
  return enqueueCustomerStateEvent(em, organizationId, customerId, serializeCustomerState);
}
