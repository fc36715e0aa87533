// One drift repair pass (started by the drift-repair schedule, or by hand for a dry run): the
// activity compares providers with granted grants per benefit type; the result is the report.
import { proxyActivities } from '@temporalio/workflow';
import type { EngineActivities } from '../activities/activity-types';
import type { DriftRepairInput } from './definitions';

const { repairDrift } = proxyActivities<EngineActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 5 },
});

export async function driftRepairWorkflow(input: DriftRepairInput) {
  return repairDrift({ dryRun: input.dryRun === true });
}
