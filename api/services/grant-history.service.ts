// GET /v1/benefit-grants/{id}/history: a grant's whole story from two sources that cannot drift
// from what happened: the transitions the grant activities wrote in the same transaction as the
// grant row (benefit_grant_events), and the grant workflow's own history (commands received, every
// provider call with its attempt, outcome and error). With Temporal unreachable the transitions
// are still answered, and `workflow.available` says the rest is missing.
import type { DataSource } from 'typeorm';
import { BenefitsRepository } from '../../db/repositories/benefits.repository';
import { GrantsRepository } from '../../db/repositories/grants.repository';
import type { EngineClient } from '../../engine/engine-client';
import type { WorkflowTimelineItem } from '../../engine/grant-history';
import { grantPropertiesFor } from '../../wire/portal-grant.serializer';
import { isEngineUnavailable, NotFoundError } from '../errors';

export interface GrantTransition {
  type: 'transition';
  time: string;
  kind: string;
  data: Record<string, unknown>;
}

export interface GrantHistory {
  grant_id: string;
  workflow: { id: string; available: boolean; status: string | null };
  items: (GrantTransition | WorkflowTimelineItem)[];
}

/** A transition's data as the merchant may see it: stored properties only by their spec fields. */
function visibleData(type: string, data: unknown): Record<string, unknown> {
  const d = { ...((data as Record<string, unknown> | null) ?? {}) };
  if (d.properties && typeof d.properties === 'object') d.properties = grantPropertiesFor(type, d.properties as Record<string, unknown>);
  return d;
}

export async function grantHistory(ds: DataSource, engine: EngineClient, organizationId: string, grantId: string): Promise<GrantHistory> {
  const grants = new GrantsRepository(ds);
  const grant = await grants.findById(grantId);
  if (!grant || grant.organization_id !== organizationId) throw new NotFoundError('Benefit grant not found');
  const [benefit] = await new BenefitsRepository(ds).findRows([grant.benefit_id]);
  const transitions: GrantTransition[] = (await grants.events(grant.id)).map((e) => ({
    type: 'transition',
    time: new Date(e.created_at).toISOString(),
    kind: e.kind,
    data: visibleData(benefit?.type ?? '', e.data),
  }));
  let workflow: Awaited<ReturnType<EngineClient['grantWorkflowHistory']>> = null;
  let available = true;
  try {
    workflow = await engine.grantWorkflowHistory(grant.id);
  } catch (err) {
    if (!isEngineUnavailable(err)) throw err;
    available = false;
  }
  // One timeline; at equal times the workflow's record (the call) comes before the row it wrote.
  const items = [...(workflow?.timeline ?? []), ...transitions]
    .map((item, i) => ({ item, i }))
    .sort((a, b) => a.item.time.localeCompare(b.item.time) || a.i - b.i)
    .map(({ item }) => item);
  return { grant_id: grant.id, workflow: { id: engine.grantWorkflowId(grant.id), available, status: workflow?.status ?? null }, items };
}
