// One workflow per grant: apply commands one at a time, keep the grant's state queryable, arm the
// expiry timer a strategy asked for, end once revoked. Type specifics live in the activities.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { grantCommandSummary } from './activity-summaries';
import { localFirst } from './local-first';
import type { EngineActivities, GrantCommandResult } from '../activities/activity-types';
import { GrantCommand, grantCommandSignal, grantCommandUpdate, GrantState, grantStateQuery, GrantWorkflowInput } from './definitions';

const { applyGrantCommand, markGrantExpired } = proxyActivities<EngineActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const local = proxyLocalActivities<EngineActivities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 1 } });
type ApplyArgs = Parameters<EngineActivities['applyGrantCommand']>[0];

// Each call carries a summary for the Web UI (user metadata; not part of what replay compares).
const applyLocalFirst = localFirst(
  (args: ApplyArgs) => local.applyGrantCommand.executeWithOptions({ summary: grantCommandSummary(args.command) }, [args]),
  (args: ApplyArgs) => applyGrantCommand.executeWithOptions({ summary: grantCommandSummary(args.command) }, [args]),
);
const applyDurable = (args: ApplyArgs) => applyGrantCommand.executeWithOptions({ summary: grantCommandSummary(args.command) }, [args]);

interface QueuedCommand {
  command: GrantCommand;
  seq: number;
}

export interface GrantWorkflowCarry {
  state: GrantState;
  queue: QueuedCommand[];
}

const HISTORY_LIMIT = 5_000;

export async function benefitGrantWorkflow(input: GrantWorkflowInput, carry?: GrantWorkflowCarry): Promise<GrantState> {
  const state: GrantState = carry?.state ?? {
    grantId: input.grantId,
    status: 'pending',
    grantedAt: null,
    revokedAt: null,
    expiresAt: null,
    error: null,
    pendingCommands: [],
    processed: 0,
  };
  // A grant started for a command carries it in its input (cheaper than signal-with-start); a
  // continued run has it in its carried queue instead.
  const queue: QueuedCommand[] = carry?.queue ?? (input.initialCommand ? [{ command: input.initialCommand, seq: 1 }] : []);
  state.pendingCommands = queue.map((q) => q.command.action);
  let seq = state.processed + queue.length;
  let lastApplied = state.processed;

  const enqueue = (command: GrantCommand): number => {
    seq += 1;
    queue.push({ command, seq });
    state.pendingCommands = queue.map((q) => q.command.action);
    return seq;
  };
  setHandler(grantStateQuery, () => state);
  setHandler(grantCommandSignal, (command) => void enqueue(command));
  setHandler(grantCommandUpdate, async (command) => {
    const mine = enqueue(command);
    await condition(() => lastApplied >= mine);
    return state;
  });

  for (;;) {
    const expiresIn = state.status === 'granted' && state.expiresAt ? Date.parse(state.expiresAt) - Date.now() : null;
    // Results recorded before rechecks existed carry no recheckAt: their histories wait as before.
    const recheckIn = state.status === 'granted' && state.recheckAt ? Date.parse(state.recheckAt) - Date.now() : null;
    const recheckFirst = recheckIn !== null && (expiresIn === null || recheckIn < expiresIn);
    const waitMs = recheckFirst ? recheckIn : expiresIn;
    // Every promise a workflow makes costs the SDK a captured stack (for the Web UI's stack trace
    // query): a command already queued, with no timer to arm, needs no wait at all.
    let woke = true;
    if (waitMs !== null) woke = await condition(() => queue.length > 0, Math.max(waitMs, 1));
    else if (queue.length === 0) await condition(() => queue.length > 0);
    if (!woke && recheckFirst) {
      state.recheckAt = null;
      enqueue({ action: 'recheck' });
      continue;
    }
    if (!woke) {
      await markGrantExpired.executeWithOptions({ summary: 'expire' }, [{ grantId: input.grantId }]);
      state.expiresAt = null;
      continue;
    }
    const next = queue.shift()!;
    state.pendingCommands = queue.map((q) => q.command.action);
    const args = { grantId: input.grantId, command: next.command, benefitType: input.benefitType };
    apply(state, input.localFirst ? await applyLocalFirst(args) : await applyDurable(args));
    state.processed += 1;
    lastApplied = next.seq;
    upsertSearchAttributes({ GrantStatus: [state.status] });

    if (queue.length === 0 && state.status === 'revoked') {
      // Let callers waiting on an update see the result before the run closes.
      await condition(allHandlersFinished);
      return state;
    }
    if (workflowInfo().historyLength > HISTORY_LIMIT && queue.length === 0) {
      const { initialCommand: _applied, ...rest } = input;
      await continueAsNew<typeof benefitGrantWorkflow>(rest, { state, queue });
    }
  }
}

function apply(state: GrantState, result: GrantCommandResult): void {
  state.status = result.status;
  state.grantedAt = result.grantedAt;
  state.revokedAt = result.revokedAt;
  state.expiresAt = result.expiresAt;
  // A command that asked for no recheck either way (a no-op) leaves the armed one in place.
  if (result.recheckInMs !== undefined) {
    state.recheckAt = result.recheckInMs === null ? null : new Date(Date.now() + result.recheckInMs).toISOString();
  } else if (result.changed && state.recheckAt) state.recheckAt = null;
  state.error = result.error;
}
