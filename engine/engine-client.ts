// The one place that starts, signals, updates and queries workflows: the API (on requests), the
// activities (fan-out commands) and the outbox relay all call this client, so workflow names,
// ids and start options are written once. Ids are deterministic: every call is safe to repeat.
import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { TypedSearchAttributes, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import {
  DriftRepairInput,
  GrantCommand,
  grantCommandSignal,
  grantCommandUpdate,
  GrantWorkflowInput,
  SubscriptionEvent,
  subscriptionEventSignal,
  webhookEndpointKickSignal,
  workflowIds,
} from '../workflows/definitions';
/** The workflow contract's types, for callers outside the engine (the API). */
export type { GrantCommand, GrantScope, GrantWorkflowInput, SubscriptionEvent } from '../workflows/definitions';
import { failureOf, grantWorkflowTimeline, type WorkflowTimelineItem } from './grant-history';
import type { GrantFanOutInput, ProductBenefitsChangedInput } from '../workflows/fan-out.workflow';
import type { OutboxRelayInput } from '../workflows/outbox-relay.workflow';
import type { MeterRecomputeInput } from '../workflows/meter-recompute.workflow';

/** The fan-out workflows and the input each is started with. */
export interface FanOutInputs {
  grantFanOutWorkflow: GrantFanOutInput;
  productBenefitsChangedWorkflow: ProductBenefitsChangedInput;
  meterRecomputeWorkflow: MeterRecomputeInput;
}

export type FanOutWorkflowType = keyof FanOutInputs;

/** A fan-out to start: its workflow, its id (deterministic, see workflowIds) and its input. */
export type FanOutStart = {
  [K in FanOutWorkflowType]: { workflowType: K; workflowId: string; input: FanOutInputs[K] };
}[FanOutWorkflowType];

/** A grant to start or command: its workflow input, plus what names it in the Web UI when known. */
export type GrantStart = GrantWorkflowInput & { label?: { customerEmail: string | null; benefitDescription: string } };

/**
 * The grant workflow's static summary (the Web UI's list and header), e.g.
 * "ada@example.com · Pro license key (license_keys)"; ids when the names are not at hand.
 */
export function grantSummary(grant: GrantWorkflowInput, label?: GrantStart['label']): string {
  const who = label?.customerEmail ?? `customer ${grant.customerId}`;
  const what = label?.benefitDescription ?? `benefit ${grant.benefitId}`;
  return `${who} · ${what} (${grant.benefitType})`.replace(/\s+/g, ' ').slice(0, 400);
}

const keys = {
  OrganizationId: defineSearchAttributeKey('OrganizationId', SearchAttributeType.KEYWORD),
  CustomerId: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
  BenefitId: defineSearchAttributeKey('BenefitId', SearchAttributeType.KEYWORD),
  BenefitType: defineSearchAttributeKey('BenefitType', SearchAttributeType.KEYWORD),
  GrantStatus: defineSearchAttributeKey('GrantStatus', SearchAttributeType.KEYWORD),
};

export class EngineClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    /** Only for a client on a worker's NativeConnection (see workers/main.ts). */
    private readonly opts: { eagerStart?: boolean } = {},
  ) {}

  /**
   * Delivers a command to a grant, starting its workflow if it is not running. A grant is usually
   * new when told to grant: its run starts with the command in its input, which costs the server
   * less than signal-with-start; a run already there gets the command as a signal instead, and
   * signal-with-start only starts a run that is not there.
   */
  async commandGrant(grant: GrantStart, command: GrantCommand): Promise<void> {
    if (command.action === 'grant') {
      try {
        await this.client.workflow.start('benefitGrantWorkflow', {
          ...this.grantStartOptions(grant, command),
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
          requestEagerStart: this.opts.eagerStart === true,
        });
        return;
      } catch (err) {
        if ((err as Error)?.name !== 'WorkflowExecutionAlreadyStartedError') throw err;
      }
    }
    // Other commands mostly reach a running grant (revokes above all): a plain signal costs the
    // server less than signal-with-start, which is kept for a grant whose run ended or never began.
    try {
      await this.client.workflow.getHandle(workflowIds.grant(grant.grantId)).signal(grantCommandSignal, command);
      return;
    } catch (err) {
      if (!isClosedOrMissing(err)) throw err;
    }
    await this.client.workflow.signalWithStart('benefitGrantWorkflow', {
      ...this.grantStartOptions(grant),
      signal: grantCommandSignal,
      signalArgs: [command],
    });
  }

  /**
   * Delivers a command and waits until the grant applied it. A grant whose workflow is not
   * running (never started, or ended once revoked) is started first, then sent the command as an
   * update, so the wait ends when that command is applied whatever the grant does next.
   */
  async commandGrantAndWait(grant: GrantStart, command: GrantCommand): Promise<void> {
    const handle = this.client.workflow.getHandle(workflowIds.grant(grant.grantId));
    try {
      await handle.executeUpdate(grantCommandUpdate, { args: [command] });
      return;
    } catch (err) {
      if (!isClosedOrMissing(err)) throw err;
    }
    await this.client.workflow.start('benefitGrantWorkflow', {
      ...this.grantStartOptions(grant),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    await this.client.workflow.getHandle(workflowIds.grant(grant.grantId)).executeUpdate(grantCommandUpdate, { args: [command] });
  }

  private grantStartOptions({ label, ...grant }: GrantStart, initialCommand?: GrantCommand) {
    return {
      taskQueue: this.taskQueue,
      workflowId: workflowIds.grant(grant.grantId),
      args: [{ ...grant, localFirst: true, ...(initialCommand ? { initialCommand } : {}) }] as [GrantWorkflowInput],
      staticSummary: grantSummary(grant, label),
      typedSearchAttributes: new TypedSearchAttributes([
        { key: keys.OrganizationId, value: grant.organizationId },
        { key: keys.CustomerId, value: grant.customerId },
        { key: keys.BenefitId, value: grant.benefitId },
        { key: keys.BenefitType, value: grant.benefitType },
        { key: keys.GrantStatus, value: 'pending' },
      ]),
    };
  }

  async startSubscription(subscriptionId: string): Promise<void> {
    await this.client.workflow
      .start('subscriptionWorkflow', {
        taskQueue: this.taskQueue,
        workflowId: workflowIds.subscription(subscriptionId),
        args: [{ subscriptionId }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      })
      .catch(ignoreAlreadyStarted);
  }

  async signalSubscription(subscriptionId: string, event: SubscriptionEvent): Promise<void> {
    await this.client.workflow.signalWithStart('subscriptionWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: workflowIds.subscription(subscriptionId),
      args: [{ subscriptionId }],
      signal: subscriptionEventSignal,
      signalArgs: [event],
    });
  }

  async startFanOut({ workflowType, workflowId, input }: FanOutStart): Promise<void> {
    await this.client.workflow
      .start(workflowType, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      })
      .catch(ignoreAlreadyStarted);
  }

  /** The outbox relay: one run for the task queue; a worker starting after another joins it. */
  async startOutboxRelay(input: OutboxRelayInput): Promise<void> {
    await this.client.workflow.start('outboxRelayWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: workflowIds.outboxRelay(),
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  }

  /**
   * The drift repair schedule of this task queue, every `intervalHours` (created, or updated when
   * it exists). A run still going when the next is due is not doubled.
   */
  async ensureDriftRepairSchedule(intervalHours: number): Promise<string> {
    const scheduleId = workflowIds.driftRepair(this.taskQueue);
    const spec = { intervals: [{ every: Math.round(intervalHours * 3_600_000) }] };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: 'driftRepairWorkflow',
      workflowId: scheduleId,
      taskQueue: this.taskQueue,
      args: [{}],
    };
    try {
      await this.client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await this.client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
    }
    return scheduleId;
  }

  /** One drift repair pass now, waited for: its reports (a dry run changes nothing). */
  async runDriftRepair(input: DriftRepairInput): Promise<unknown> {
    return this.client.workflow.execute('driftRepairWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: `${workflowIds.driftRepair(this.taskQueue)}-${input.dryRun ? 'dry-run' : 'manual'}-${Date.now()}`,
      args: [input],
    });
  }

  /** Whether any run of this workflow id exists (running or closed, within retention). */
  async workflowExists(workflowId: string): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /**
   * A grant's workflow as an operator reads it: its status and timeline (commands, provider calls
   * with attempts and errors) from the latest run's history, with a call still being retried taken
   * from the workflow's pending activities. Null when the grant has no workflow (yet, or any more).
   */
  grantWorkflowId(grantId: string): string {
    return workflowIds.grant(grantId);
  }

  async grantWorkflowHistory(grantId: string): Promise<{ status: string; timeline: WorkflowTimelineItem[] } | null> {
    const handle = this.client.workflow.getHandle(workflowIds.grant(grantId));
    try {
      const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
      const timeline = grantWorkflowTimeline(history.events ?? []);
      for (const pending of description.raw.pendingActivities ?? []) {
        const call = timeline.find(
          (t): t is Extract<WorkflowTimelineItem, { type: 'provider_call' }> =>
            t.type === 'provider_call' && t.execution === 'regular' && t.outcome === 'scheduled' && t.activity_id === pending.activityId,
        );
        if (!call) continue;
        call.attempt = pending.attempt ?? call.attempt;
        call.error = failureOf(pending.lastFailure);
        if (call.error) call.outcome = 'retrying';
      }
      return { status: description.status.name, timeline };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  async kickWebhookEndpoint(endpointId: string): Promise<void> {
    await this.client.workflow.signalWithStart('webhookEndpointWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: workflowIds.webhookEndpoint(endpointId),
      args: [{ endpointId }],
      signal: webhookEndpointKickSignal,
      signalArgs: [],
    });
  }
}

function isClosedOrMissing(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const message = String((err as Error)?.message ?? err);
  return /not found|already completed|workflow execution.*(completed|closed)/i.test(message);
}

function ignoreAlreadyStarted(err: unknown): void {
  if ((err as Error)?.name === 'WorkflowExecutionAlreadyStartedError') return;
  throw err;
}
