// Drift repair: each benefit type that can compare its provider with the granted grants
// (`repairDrift`) does so; the workflow returns every report, so each run's result is readable in
// the Temporal Web UI.
import type { DriftReport } from '../benefits/strategy';
import type { EngineDeps } from './engine-deps';

export function driftActivities(deps: EngineDeps) {
  return {
    async repairDrift(input: { dryRun: boolean }): Promise<Record<string, DriftReport>> {
      const reports: Record<string, DriftReport> = {};
      for (const strategy of Object.values(deps.registry)) {
        if (!strategy.repairDrift) continue;
        reports[strategy.type] = await strategy.repairDrift({
          providers: deps.providers ?? {},
          dataSource: deps.dataSource,
          dryRun: input.dryRun,
        });
        deps.logger.info({ type: strategy.type, ...summary(reports[strategy.type]) }, 'drift repair');
      }
      return reports;
    },
  };
}

function summary(r: DriftReport) {
  return { dryRun: r.dryRun, checked: r.checked, restored: r.restored.length, removed: r.removed.length, skipped: r.skipped.length };
}
