// Drift repair, run by a Temporal schedule (EngineClient.ensureDriftRepairSchedule): for every
// benefit type whose strategy can compare provider state with its grants, one pass. Type-agnostic:
// the activity picks the strategy. The reports are the workflow's result (Web UI: the run's
// Result, and each type's pass as an activity result in its history).
import { proxyActivities } from '@temporalio/workflow';
import type { DriftRepairActivities } from '../activities/activity-types';
import type { DriftReport } from '../benefits/strategy';
import type { DriftRepairInput } from './definitions';

const { driftRepairTypes } = proxyActivities<DriftRepairActivities>({ startToCloseTimeout: '1 minute' });
// A pass pages through a provider's members; it heartbeats per target, so a dead one is retried soon.
const { repairDrift } = proxyActivities<DriftRepairActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes', maximumAttempts: 10 },
});

export async function driftRepairWorkflow(input: DriftRepairInput = {}): Promise<DriftReport[]> {
  const types = input.types ?? (await driftRepairTypes());
  const reports: DriftReport[] = [];
  for (const type of types) {
    const report = await repairDrift({ type, dryRun: input.dryRun === true });
    if (report) reports.push(report);
  }
  return reports;
}
