// Recomputes one meter's figures after its filter or aggregation changed: one activity pages
// through the events counted before the change (its cursor lives on the meter row, advanced with
// each page) and heartbeats its progress; a newer change makes this run stop (stale version).
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { MeterActivities, MeterRecomputeProgress } from '../activities/meter-activity-types';

const acts = proxyActivities<MeterActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface MeterRecomputeInput {
  meterId: string;
  version: number;
}

export const meterRecomputeProgressQuery = defineQuery<MeterRecomputeProgress | null>('meterRecomputeProgress');

export async function meterRecomputeWorkflow(input: MeterRecomputeInput): Promise<MeterRecomputeProgress> {
  let last: MeterRecomputeProgress | null = null;
  setHandler(meterRecomputeProgressQuery, () => last);
  last = await acts.recomputeMeterFigures(input);
  return last;
}
