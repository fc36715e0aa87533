// Scope-level activities: which grants an order or subscription should hold, and sending
// commands to many grant workflows (fan-outs page through them a batch per call).
import { Context } from '@temporalio/activity';
import { GrantsRepository } from '../db/repositories/grants.repository';
import { ScopesRepository } from '../db/repositories/scopes.repository';
import type { GrantCommand, GrantWorkflowInput } from '../workflows/definitions';
import type { GrantFilter, GrantScope, ScopeChanges } from './activity-types';
import type { EngineDeps } from './engine-deps';
import { grantScope, productBenefitIds, sendCommands } from '../engine/grant-scope';

/** Heartbeats a long page of commands (fan-outs, a subscription's grants). */
function beat(done: number): void {
  Context.current().heartbeat(done);
}

export function scopeActivities(deps: EngineDeps) {
  const ds = deps.dataSource;
  const grants = new GrantsRepository(ds);
  const scopes = new ScopesRepository(ds);
  const send = (inputs: GrantWorkflowInput[], command: GrantCommand, wait: boolean) => sendCommands(deps, inputs, command, wait, beat);

  return {
    async grantScope(scope: GrantScope, onlyBenefitIds?: string[]): Promise<number> {
      return grantScope(deps, scope, onlyBenefitIds, beat);
    },

    async scopeChanges(scope: GrantScope): Promise<ScopeChanges> {
      const wanted = new Set(await productBenefitIds(deps, scope.productId));
      const rows = await grants.forScope(scope);
      const held = new Set(
        rows.filter((r) => r.granted_at !== null || (r.revoked_at === null && r.error === null)).map((r) => r.benefit_id),
      );
      return {
        toRevoke: rows.filter((r) => !wanted.has(r.benefit_id) && r.revoked_at === null).map((r) => r.id),
        toGrant: [...wanted].filter((id) => !held.has(id)),
      };
    },

    async commandGrants(input: { grantIds: string[]; command: GrantCommand; wait: boolean }): Promise<void> {
      await send(await grants.workflowInputs(input.grantIds), input.command, input.wait);
    },

    async commandScope(input: { scope: GrantScope; command: GrantCommand }): Promise<number> {
      const rows = await grants.forScope(input.scope);
      const targets = rows.filter((r) => (input.command.action === 'revoke' ? r.revoked_at === null : r.granted_at !== null));
      await send(await grants.workflowInputs(targets.map((r) => r.id)), input.command, false);
      return targets.length;
    },

    async listGrantIds(input: { filter: GrantFilter; afterId: string | null; limit: number; notRevokedOnly: boolean }): Promise<string[]> {
      return grants.idsPage(input.filter, input.afterId, input.limit, input.notRevokedOnly);
    },

    /** Live scopes of a product, keyset-paged: orders, then subscriptions (ScopesRepository). */
    async listProductScopes(input: {
      productId: string;
      after: string | null;
      limit: number;
    }): Promise<{ scopes: GrantScope[]; next: string | null }> {
      return scopes.productScopesPage(input.productId, input.after, input.limit);
    },
  };
}
