// The worker's workflow bundle entry: every workflow type the engine runs.
export { benefitGrantWorkflow } from './benefit-grant.workflow';
export { subscriptionWorkflow } from './subscription.workflow';
export { orderWorkflow } from './order.workflow';
export { grantFanOutWorkflow, productBenefitsChangedWorkflow } from './fan-out.workflow';
export { webhookEndpointWorkflow } from './webhook-endpoint.workflow';
export { outboxRelayWorkflow } from './outbox-relay.workflow';
export { driftRepairWorkflow } from './drift-repair.workflow';
