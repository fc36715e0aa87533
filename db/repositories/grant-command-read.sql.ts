// What a grant command reads of its grant in one statement (GrantsRepository.lockForCommand, with
// the row's lock; readForCommand, without): the grant, its benefit and customer, its scope's facts
// and the event types its organization's endpoints listen to. Generic in the grant row's type, which
// grants.repository.ts defines (importing it here would make the two modules a cycle).
import { SCOPE_FACTS_JOINS, SCOPE_FACTS_JSON, scopeFactsOf, type ScopeFacts } from './scopes.repository';
import { listenedTypesSql } from './webhook-events.repository';

/** A grant locked for a command, with what applying it reads (GrantsRepository.lockForCommand). */
export interface LockedGrant<G> {
  grant: G;
  benefit: Record<string, any>;
  customer: Record<string, any>;
  facts: ScopeFacts;
  /** Event types some enabled endpoint of the grant's organization listens to. */
  listened: Set<string>;
}

export const COMMAND_READ_COLUMNS = `g.*, to_jsonb(b) AS __benefit, to_jsonb(c) AS __customer, ${SCOPE_FACTS_JSON} AS __facts,
       ${listenedTypesSql('g.organization_id')} AS __listened`;
export const COMMAND_READ_FROM = `FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id JOIN customers c ON c.id = g.customer_id
         ${SCOPE_FACTS_JOINS}`;

export type CommandRow<G> = G & {
  __benefit: Record<string, any>;
  __customer: Record<string, any>;
  __facts: Record<string, any>;
  __listened: string[];
  __shared_access_locked?: boolean;
};

export function lockedGrantOf<G>(row: CommandRow<G>): LockedGrant<G> {
  const { __benefit: benefit, __customer: customer, __facts: facts, __listened: listened, __shared_access_locked: _locked, ...grant } = row;
  return { grant: grant as G, benefit, customer, facts: scopeFactsOf(facts), listened: new Set(listened) };
}
