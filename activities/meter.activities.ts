// Recomputes a meter's figures page by page. Each page commits with the cursor it advanced, so a
// retry continues where the last committed page ended; heartbeat details report the progress.
import { Context } from '@temporalio/activity';
import { CustomerMetersRepository } from '../db/repositories/customer-meters.repository';
import type { EngineDeps } from './engine-deps';
import type { MeterActivities, MeterRecomputeProgress } from './meter-activity-types';

const PAGE_SIZE = 5_000;

function heartbeat(details: MeterRecomputeProgress): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Called outside an activity (a test): no heartbeat to send.
  }
}

function previousProgress(): MeterRecomputeProgress | undefined {
  try {
    return Context.current().info.heartbeatDetails as MeterRecomputeProgress | undefined;
  } catch {
    return undefined;
  }
}

export function meterActivities(deps: EngineDeps): MeterActivities {
  const figures = new CustomerMetersRepository(deps.dataSource);
  return {
    async recomputeMeterFigures({ meterId, version, pageSize }) {
      const progress: MeterRecomputeProgress = {
        meterId,
        version,
        processed: previousProgress()?.processed ?? 0,
        lastSeq: '0',
        boundary: '0',
        done: false,
        stale: false,
      };
      for (;;) {
        const page = await figures.recomputePage(meterId, version, pageSize ?? PAGE_SIZE);
        progress.processed += page.count;
        progress.stale = page.stale;
        if (!page.stale) Object.assign(progress, { lastSeq: page.lastSeq, boundary: page.boundary });
        if (page.stale || page.count === 0) return { ...progress, done: true };
        heartbeat(progress);
      }
    },
  };
}
