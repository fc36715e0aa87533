// Longest workflow history after a run: every run of the benefit-deleted fan-out, the product
// fan-outs, the outbox relay and a sample of grant workflows, each read with describe().
import type { Client } from '@temporalio/client';
import { workflowIds } from '../../workflows/definitions';
import type { BenchStack } from './stack';

export interface HistoryFigure {
  kind: string;
  workflowId: string;
  /** How many runs were described; the figure is the longest of them. */
  described: number;
  historyLength: number;
}

const SAMPLE = 20;

async function describeLongest(
  client: Client,
  kind: string,
  runs: { workflowId: string; runId?: string }[],
): Promise<HistoryFigure | null> {
  let best: HistoryFigure | null = null;
  for (const run of runs) {
    const d = await client.workflow
      .getHandle(run.workflowId, run.runId)
      .describe()
      .catch(() => null);
    if (d && (!best || d.historyLength > best.historyLength)) {
      best = { kind, workflowId: run.workflowId, described: runs.length, historyLength: d.historyLength };
    }
  }
  return best;
}

async function listRuns(client: Client, query: string, limit: number): Promise<{ workflowId: string; runId: string }[]> {
  const runs: { workflowId: string; runId: string }[] = [];
  for await (const info of client.workflow.list({ query })) {
    runs.push({ workflowId: info.workflowId, runId: info.runId });
    if (runs.length >= limit) break;
  }
  return runs;
}

export async function longestHistories(stack: BenchStack, deletedBenefitId: string, benefitIds: string[]): Promise<HistoryFigure[]> {
  const { temporal: client, db } = stack;
  const grants: { id: string }[] = await db.query(
    `SELECT id FROM benefit_grants WHERE benefit_id = ANY($1::uuid[]) ORDER BY random() LIMIT $2`,
    [benefitIds, SAMPLE * 2],
  );
  const deletedId = workflowIds.benefitDeleted(deletedBenefitId);
  const figures = await Promise.all([
    listRuns(client, `WorkflowId = '${deletedId}'`, 1000).then((runs) =>
      describeLongest(client, 'benefit-deleted fan-out, all runs', runs),
    ),
    listRuns(client, `WorkflowType = 'productBenefitsChangedWorkflow'`, SAMPLE).then((runs) =>
      describeLongest(client, 'product-benefits fan-outs', runs),
    ),
    listRuns(client, `WorkflowType = 'webhookEndpointWorkflow'`, 1000).then((runs) =>
      describeLongest(client, 'webhook endpoint, all runs', runs),
    ),
    describeLongest(client, 'outbox relay', [{ workflowId: workflowIds.outboxRelay() }]),
    describeLongest(
      client,
      'grants, random sample',
      grants.map((g) => ({ workflowId: workflowIds.grant(g.id) })),
    ),
  ]);
  return figures.filter((f): f is HistoryFigure => f !== null);
}
