// The fan-outs the engine runs, each with its workflow, its deterministic id and its input, built
// here so callers (the API's recorded commands, the outbox relay) never name a workflow by hand.
// A fan-out recorded as an engine command takes the command's id as its version: dispatching the
// command again starts no second run.
import { workflowIds } from '../workflows/definitions';
import type { FanOutStart } from './engine-client';

export const fanOuts = {
  /** Reconciles every order and subscription of the product with its benefits. */
  productBenefitsChanged: (productId: string, version: string): FanOutStart => ({
    workflowType: 'productBenefitsChangedWorkflow',
    workflowId: workflowIds.productBenefitsChanged(productId, version),
    input: { productId },
  }),
  benefitUpdated: (benefitId: string, version: string, previousProperties: Record<string, unknown>): FanOutStart => ({
    workflowType: 'grantFanOutWorkflow',
    workflowId: workflowIds.benefitUpdated(benefitId, version),
    input: { filter: { benefitId }, command: { action: 'update', previousProperties } },
  }),
  benefitDeleted: (benefitId: string): FanOutStart => ({
    workflowType: 'grantFanOutWorkflow',
    workflowId: workflowIds.benefitDeleted(benefitId),
    input: { filter: { benefitId }, command: { action: 'revoke' } },
  }),
  /** Recomputes a meter's figures after its filter or aggregation changed (one run per version). */
  meterRecompute: (meterId: string, version: number): FanOutStart => ({
    workflowType: 'meterRecomputeWorkflow',
    workflowId: workflowIds.meterRecompute(meterId, version),
    input: { meterId, version },
  }),
  customerDeleted: (customerId: string): FanOutStart => ({
    workflowType: 'grantFanOutWorkflow',
    workflowId: workflowIds.customerDeleted(customerId),
    input: { filter: { customerId }, command: { action: 'revoke' } },
  }),
};
