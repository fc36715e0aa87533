// Reads a grant workflow's history into what an operator asks: which commands arrived, and every
// call of the benefit's provider (the grant activities) with its attempt, outcome and error. Only a
// command's action and revoke reason are shown: a command's other fields (an update's previous
// properties) may hold merchant secrets.
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Failure = temporal.api.failure.v1.IFailure;
type Payloads = temporal.api.common.v1.IPayloads;

export interface ProviderCallError {
  message: string;
  type: string | null;
  non_retryable: boolean;
}

export type WorkflowTimelineItem =
  | { type: 'command'; time: string; action: string; reason: string | null; via: 'start' | 'signal' | 'update' }
  | {
      type: 'provider_call';
      /** When the call began: its workflow task (local) or its scheduling (regular). */
      time: string;
      /** When its last attempt ended; null while it runs. */
      ended_at: string | null;
      activity: string;
      command: string | null;
      /** local: inside the workflow task (one attempt); regular: retried by the server. */
      execution: 'local' | 'regular';
      activity_id: string | null;
      attempt: number;
      outcome: 'completed' | 'failed' | 'timed_out' | 'canceled' | 'retrying' | 'scheduled';
      error: ProviderCallError | null;
      /** For a regular call: the error of the attempt before this one (Temporal keeps only the last). */
      previous_attempt_error: ProviderCallError | null;
    }
  | {
      type: 'workflow';
      time: string;
      event: 'started' | 'completed' | 'failed' | 'continued_as_new' | 'terminated' | 'timed_out' | 'canceled';
    };

function iso(ts: temporal.api.history.v1.IHistoryEvent['eventTime']): string {
  const seconds = Number(ts?.seconds ?? 0);
  const nanos = Number(ts?.nanos ?? 0);
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString();
}

function decode(payloads: Payloads | null | undefined): unknown[] {
  return (payloads?.payloads ?? []).map((p) => {
    try {
      return defaultPayloadConverter.fromPayload(p);
    } catch {
      return undefined;
    }
  });
}

export function failureOf(failure: Failure | null | undefined): ProviderCallError | null {
  if (!failure) return null;
  // An activity's failure wraps the application failure the strategy's error became.
  const cause = failure.cause ?? failure;
  const app = cause.applicationFailureInfo;
  return { message: cause.message ?? failure.message ?? '', type: app?.type ?? null, non_retryable: Boolean(app?.nonRetryable) };
}

function commandOf(value: unknown): { action: string; reason: string | null } | null {
  const c = value as { action?: unknown; reason?: unknown } | undefined;
  if (!c || typeof c.action !== 'string') return null;
  return { action: c.action, reason: typeof c.reason === 'string' ? c.reason : null };
}

function label(command: { action: string; reason: string | null } | null | undefined): string | null {
  if (!command) return null;
  return command.reason ? `${command.action}: ${command.reason}` : command.action;
}

/** One timeline from a grant workflow's events (any number of runs, in order). */
export function grantWorkflowTimeline(events: HistoryEvent[]): WorkflowTimelineItem[] {
  const out: WorkflowTimelineItem[] = [];
  // Commands are applied one at a time in arrival order: the head is the one being applied.
  const pending: { action: string; reason: string | null }[] = [];
  const scheduled = new Map<string, Extract<WorkflowTimelineItem, { type: 'provider_call' }>>();
  // A local call runs inside the workflow task that started last; its marker is written when that task completes.
  let taskStarted = '';
  for (const e of events) {
    const time = iso(e.eventTime);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        taskStarted = time;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
        out.push({ type: 'workflow', time, event: 'started' });
        const input = decode(e.workflowExecutionStartedEventAttributes?.input)[0] as { initialCommand?: unknown } | undefined;
        const command = commandOf(input?.initialCommand);
        if (command) {
          pending.push(command);
          out.push({ type: 'command', time, ...command, via: 'start' });
        }
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
        const command = commandOf(decode(e.workflowExecutionSignaledEventAttributes?.input)[0]);
        if (command) {
          pending.push(command);
          out.push({ type: 'command', time, ...command, via: 'signal' });
        }
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: {
        const args = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args;
        const command = commandOf(decode(args)[0]);
        if (command) {
          pending.push(command);
          out.push({ type: 'command', time, ...command, via: 'update' });
        }
        break;
      }
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        const marker = e.markerRecordedEventAttributes;
        if (marker?.markerName !== 'core_local_activity') break;
        const data = decode(marker.details?.data)[0] as { attempt?: number; activity_type?: string } | undefined;
        const error = failureOf(marker.failure);
        const activity = data?.activity_type ?? 'activity';
        out.push({
          type: 'provider_call',
          time: taskStarted || time,
          ended_at: time,
          activity,
          command: activity === 'applyGrantCommand' ? label(pending[0]) : null,
          execution: 'local',
          activity_id: null,
          attempt: data?.attempt ?? 1,
          outcome: error ? 'failed' : 'completed',
          error,
          previous_attempt_error: null,
        });
        if (!error && activity === 'applyGrantCommand') pending.shift();
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const a = e.activityTaskScheduledEventAttributes;
        const activity = a?.activityType?.name ?? 'activity';
        const input = decode(a?.input)[0] as { command?: unknown } | undefined;
        const item: Extract<WorkflowTimelineItem, { type: 'provider_call' }> = {
          type: 'provider_call',
          time,
          ended_at: null,
          activity,
          command: activity === 'applyGrantCommand' ? label(commandOf(input?.command)) : activity === 'markGrantExpired' ? 'expire' : null,
          execution: 'regular',
          activity_id: a?.activityId ?? null,
          attempt: 1,
          outcome: 'scheduled',
          error: null,
          previous_attempt_error: null,
        };
        scheduled.set(String(e.eventId), item);
        out.push(item);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const a = e.activityTaskStartedEventAttributes;
        const item = scheduled.get(String(a?.scheduledEventId));
        if (item) {
          item.attempt = a?.attempt ?? 1;
          item.previous_attempt_error = failureOf(a?.lastFailure);
        }
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const attrs =
          e.activityTaskCompletedEventAttributes ??
          e.activityTaskFailedEventAttributes ??
          e.activityTaskTimedOutEventAttributes ??
          e.activityTaskCanceledEventAttributes;
        const item = scheduled.get(String(attrs?.scheduledEventId));
        if (!item) break;
        item.ended_at = time;
        if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
          item.outcome = 'completed';
          if (item.activity === 'applyGrantCommand') pending.shift();
        } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED) {
          item.outcome = 'failed';
          item.error = failureOf(e.activityTaskFailedEventAttributes?.failure);
        } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) {
          item.outcome = 'timed_out';
          item.error = failureOf(e.activityTaskTimedOutEventAttributes?.failure);
        } else item.outcome = 'canceled';
        break;
      }
      default: {
        const closed = CLOSING[e.eventType as number];
        if (closed) out.push({ type: 'workflow', time, event: closed });
      }
    }
  }
  return out;
}

const CLOSING: Record<number, Extract<WorkflowTimelineItem, { type: 'workflow' }>['event']> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]: 'completed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]: 'failed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW]: 'continued_as_new',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED]: 'terminated',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT]: 'timed_out',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED]: 'canceled',
};
