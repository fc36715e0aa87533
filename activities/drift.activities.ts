// Drift repair: each type that can compare provider state with its grants (BenefitStrategy.repairDrift)
// does so here; a provider that is busy or down fails the pass with its retry-after, and Temporal
// retries it (repairs are idempotent).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isSupportedBenefitType } from '../benefits/benefit-types';
import { RetriableError } from '../benefits/strategy-errors';
import type { DriftRepairActivities } from './activity-types';
import type { EngineDeps } from './engine-deps';

export function driftActivities(deps: EngineDeps): DriftRepairActivities {
  return {
    async driftRepairTypes() {
      return Object.values(deps.registry)
        .filter((s) => typeof s.repairDrift === 'function')
        .map((s) => s.type);
    },

    async repairDrift({ type, dryRun }) {
      if (!isSupportedBenefitType(type)) return null;
      const strategy = deps.registry[type];
      if (!strategy.repairDrift) return null;
      let ctx: Context | null = null;
      try {
        ctx = Context.current();
      } catch {
        // called outside an activity (tests)
      }
      try {
        const report = await strategy.repairDrift({
          providers: deps.providers ?? {},
          db: deps.dataSource,
          dataSource: deps.dataSource,
          dryRun: dryRun === true,
          signal: ctx?.cancellationSignal,
          heartbeat: (details) => ctx?.heartbeat(details),
        });
        deps.logger.info(
          { type, checked: report.checked, repairs: report.repairs.length, unrepaired: report.unrepaired.length },
          'drift repaired',
        );
        return { ...report, type };
      } catch (err) {
        if (err instanceof RetriableError) {
          throw ApplicationFailure.create({ message: err.message, type: 'RetriableError', nextRetryDelay: err.retryAfterMs });
        }
        throw err;
      }
    },
  };
}
