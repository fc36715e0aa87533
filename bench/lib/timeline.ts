// Where a purchase's time goes: for a sample of purchases, its grant workflows' histories give the moments each step started and ended (Temporal's own event times).
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import type { DataSource } from 'typeorm';
import { workflowIds } from '../../workflows/definitions';
import type { PurchaseRecord } from './setup';
import { percentile } from './stats';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;

interface Moments {
  started: number;
  /**
   * When the first command (grantScope / applyGrantCommand) started and ended: a regular
   * activity's started/completed events, or for a local attempt the workflow task it ran in (its
   * marker is written when that task completes).
   */
  workStarted: number;
  workCompleted: number;
  /** Workflow task queue waits (scheduled -> started) and processing (started -> completed). */
  wftWaits: number[];
  wftRuns: number[];
}

function momentsOf(history: History): Moments | null {
  const m: Partial<Moments> = { wftWaits: [], wftRuns: [] };
  let wftScheduled = NaN;
  let wftStarted = NaN;
  for (const e of history.events ?? []) {
    const t = tsToMs(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) m.started = t;
    else if (e.workflowTaskScheduledEventAttributes) wftScheduled = t;
    else if (e.workflowTaskStartedEventAttributes) {
      m.wftWaits!.push(t - wftScheduled);
      wftStarted = t;
    } else if (e.workflowTaskCompletedEventAttributes) m.wftRuns!.push(t - wftStarted);
    else if (e.activityTaskStartedEventAttributes) m.workStarted ??= t;
    else if (e.activityTaskCompletedEventAttributes) m.workCompleted ??= t;
    else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity' && m.workCompleted === undefined) {
      m.workStarted ??= wftStarted;
      m.workCompleted = t;
    }
  }
  const complete = m.started !== undefined && m.workStarted !== undefined && m.workCompleted !== undefined;
  return complete ? (m as Moments) : null;
}

export type Breakdown = [step: string, p50: number, p90: number][];

const STEPS = [
  'API: purchase call start -> first grant workflow started',
  'first -> last grant workflow of the purchase started',
  'grant workflow started -> grant command started',
  '  of which workflow task queue wait (all grant WFTs)',
  '  of which workflow task processing (all grant WFTs)',
  'grant command started -> recorded (local: its workflow task)',
  'total: purchase start -> last grant command recorded',
] as const;

/** Medians and p90s of each step over up to `sample` purchases spread over the records. */
export async function purchaseBreakdown(client: Client, db: DataSource, records: PurchaseRecord[], sample = 15): Promise<Breakdown> {
  const ok = records.filter((r) => r.orderId);
  const picked = ok.filter((_, i) => i % Math.max(1, Math.floor(ok.length / sample)) === 0).slice(0, sample);
  const steps = new Map<string, number[]>(STEPS.map((s) => [s, []]));
  const add = (step: (typeof STEPS)[number], ...values: number[]) => steps.get(step)!.push(...values.filter(Number.isFinite));
  const fetch = async (id: string) => momentsOf(await client.workflow.getHandle(id).fetchHistory());
  for (const record of picked) {
    const grantRows: { id: string }[] = await db.query(`SELECT id FROM benefit_grants WHERE order_id = $1`, [record.orderId]);
    const grants = (await Promise.all(grantRows.map((g) => fetch(workflowIds.grant(g.id)).catch(() => null)))).filter(
      (g): g is Moments => g !== null,
    );
    if (grants.length === 0) continue;
    const starts = grants.map((g) => g.started);
    add(STEPS[0], Math.min(...starts) - record.startMs);
    add(STEPS[1], Math.max(...starts) - Math.min(...starts));
    for (const g of grants) {
      add(STEPS[2], g.workStarted - g.started);
      add(STEPS[3], ...g.wftWaits);
      add(STEPS[4], ...g.wftRuns);
      add(STEPS[5], g.workCompleted - g.workStarted);
    }
    add(STEPS[6], Math.max(...grants.map((g) => g.workCompleted)) - record.startMs);
  }
  return [...steps].map(([step, values]) => [step, percentile(values, 50), percentile(values, 90)]);
}
