/**
 * The Durable Functions out-of-process wire format: PascalCase history events in, orchestrator state and actions out.
 * This is the only module that knows those shapes (durable-functions 3.x, replay schema V3), so moving to another
 * protocol (the gRPC durabletask SDK) means replacing this file, not the engine.
 */
import type { RpcTypedData } from './core-shim';

/** A history event exactly as the replay engine reads it. Opaque to the rest of the host. */
export type WireEvent = Record<string, unknown> & { EventType: number; EventId: number; IsPlayed: boolean };

/** What can happen to an orchestration, in host terms. Each becomes one history event when delivered. */
export type OrchestrationMessage =
  | {
      kind: 'executionStarted';
      name: string;
      input: string | null;
      executionId: string;
      parent?: ParentLink;
    }
  | { kind: 'taskCompleted'; taskId: number; result: string | null }
  | { kind: 'taskFailed'; taskId: number; reason: string; details: string }
  | { kind: 'subOrchestrationCompleted'; taskId: number; result: string | null }
  | { kind: 'subOrchestrationFailed'; taskId: number; reason: string; details: string }
  | { kind: 'timerFired'; timerId: number; fireAt: number }
  | { kind: 'eventRaised'; name: string; input: string | null };

export interface ParentLink {
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
}

export interface RetryPolicy {
  firstRetryIntervalMs: number;
  maxNumberOfAttempts: number;
  backoffCoefficient: number;
  maxRetryIntervalMs?: number;
  retryTimeoutMs?: number;
}

/** Work an orchestrator asked for, in host terms. Only the `consumesId` kinds take a sequence number. */
export type OrchestratorAction =
  | { kind: 'activity'; name: string; input: string | null; retry?: RetryPolicy }
  | { kind: 'subOrchestration'; name: string; instanceId?: string; input: string | null; retry?: RetryPolicy }
  | { kind: 'timer'; fireAt: number }
  | { kind: 'continueAsNew'; input: string | null }
  | { kind: 'waitForEvent'; name: string }
  | { kind: 'unsupported'; description: string; consumesId: boolean };

export function consumesId(action: OrchestratorAction): boolean {
  if (action.kind === 'unsupported') return action.consumesId;
  return action.kind === 'activity' || action.kind === 'subOrchestration' || action.kind === 'timer';
}

export interface EpisodeOutcome {
  /** Every action since ExecutionStarted (the SDK re-emits them all), flattened in sequence-number order. */
  actions: OrchestratorAction[];
  done: boolean;
  output: string | null;
  customStatus: string | null;
  /** Set when the orchestrator threw. */
  error?: string;
}

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
  ContinueAsNew: 16,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

const eventTypeNames = new Map<number, string>(Object.entries(EventType).map(([k, v]) => [v, k]));

export const maximumShortTimerMs = 6 * 24 * 3600 * 1000;
export const longRunningTimerIntervalMs = 3 * 24 * 3600 * 1000;

function base(type: number, timestamp: number, eventId = -1): WireEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: new Date(timestamp).toISOString() };
}

/** The history event that delivers `message`. */
export function messageToEvent(
  message: OrchestrationMessage,
  instanceId: string,
  timestamp: number,
): WireEvent {
  switch (message.kind) {
    case 'executionStarted':
      return {
        ...base(EventType.ExecutionStarted, timestamp),
        Name: message.name,
        Version: '',
        Input: message.input,
        OrchestrationInstance: { InstanceId: instanceId, ExecutionId: message.executionId },
        ParentInstance: message.parent
          ? {
              Name: message.parent.name,
              TaskScheduleId: message.parent.taskId,
              OrchestrationInstance: {
                InstanceId: message.parent.instanceId,
                ExecutionId: message.parent.executionId,
              },
            }
          : null,
        Tags: null,
      };
    case 'taskCompleted':
      return {
        ...base(EventType.TaskCompleted, timestamp),
        TaskScheduledId: message.taskId,
        Result: message.result,
      };
    case 'taskFailed':
      return {
        ...base(EventType.TaskFailed, timestamp),
        TaskScheduledId: message.taskId,
        Reason: message.reason,
        Details: message.details,
      };
    case 'subOrchestrationCompleted':
      return {
        ...base(EventType.SubOrchestrationInstanceCompleted, timestamp),
        TaskScheduledId: message.taskId,
        Result: message.result,
      };
    case 'subOrchestrationFailed':
      return {
        ...base(EventType.SubOrchestrationInstanceFailed, timestamp),
        TaskScheduledId: message.taskId,
        Reason: message.reason,
        Details: message.details,
      };
    case 'timerFired':
      return {
        ...base(EventType.TimerFired, timestamp),
        TimerId: message.timerId,
        FireAt: new Date(message.fireAt).toISOString(),
      };
    case 'eventRaised':
      return { ...base(EventType.EventRaised, timestamp), Name: message.name, Input: message.input };
  }
}

export const orchestratorStarted = (ts: number): WireEvent => base(EventType.OrchestratorStarted, ts);
export const orchestratorCompleted = (ts: number): WireEvent => base(EventType.OrchestratorCompleted, ts);
export const taskScheduled = (ts: number, id: number, name: string, input: string | null): WireEvent => ({
  ...base(EventType.TaskScheduled, ts, id),
  Name: name,
  Input: input,
});
export const subOrchestrationCreated = (
  ts: number,
  id: number,
  name: string,
  instanceId: string,
  input: string | null,
): WireEvent => ({
  ...base(EventType.SubOrchestrationInstanceCreated, ts, id),
  Name: name,
  InstanceId: instanceId,
  Input: input,
});
export const timerCreated = (ts: number, id: number, fireAt: number): WireEvent => ({
  ...base(EventType.TimerCreated, ts, id),
  FireAt: new Date(fireAt).toISOString(),
});
export const executionCompleted = (ts: number, status: string, result: string | null): WireEvent => ({
  ...base(EventType.ExecutionCompleted, ts),
  OrchestrationStatus: status,
  Result: result,
});
export const executionTerminated = (ts: number, reason: string): WireEvent => ({
  ...base(EventType.ExecutionTerminated, ts),
  Input: JSON.stringify(reason),
});
export const executionSuspended = (ts: number, reason: string): WireEvent => ({
  ...base(EventType.ExecutionSuspended, ts),
  Reason: reason,
});
export const executionResumed = (ts: number, reason: string): WireEvent => ({
  ...base(EventType.ExecutionResumed, ts),
  Reason: reason,
});

/** The orchestration trigger payload the extension sends (schema V3: both timer durations are required). */
export function orchestrationTriggerData(
  instanceId: string,
  history: WireEvent[],
  input: string | null,
  parentInstanceId: string | undefined,
): RpcTypedData {
  // Built as text: the history is the bulk of the payload and is already JSON-ready.
  const payload = {
    history,
    input: input === null ? null : (JSON.parse(input) as unknown),
    instanceId,
    isReplaying: history.some((e) => e.IsPlayed),
    parentInstanceId: parentInstanceId ?? null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
  return { json: JSON.stringify(payload) };
}

/** Activity input as the worker receives it: JSON-encoded strings as `string`, everything else as `json`. */
export function activityTriggerData(input: string | null): RpcTypedData | undefined {
  if (input === null) return undefined;
  return input.startsWith('"') ? { string: input } : { json: input };
}

interface RawAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
    retryTimeoutInMilliseconds?: number;
  };
  fireAt?: string | Date;
  externalEventName?: string;
  compoundActions?: RawAction[];
}

interface RawState {
  isDone: boolean;
  actions: RawAction[][];
  output?: unknown;
  customStatus?: unknown;
  error?: string;
}

/** JSON text of an action's input; the SDK already JSON-encoded string inputs of activities and continueAsNew. */
function preEncodedInput(input: unknown): string | null {
  if (input === undefined) return null;
  return typeof input === 'string' ? input : JSON.stringify(input);
}

function plainInput(input: unknown): string | null {
  return input === undefined ? null : JSON.stringify(input);
}

function retryPolicy(raw: RawAction['retryOptions']): RetryPolicy | undefined {
  if (!raw) return undefined;
  return {
    firstRetryIntervalMs: raw.firstRetryIntervalInMilliseconds,
    maxNumberOfAttempts: raw.maxNumberOfAttempts,
    backoffCoefficient: raw.backoffCoefficient ?? 1,
    maxRetryIntervalMs: raw.maxRetryIntervalInMilliseconds || undefined,
    retryTimeoutMs: raw.retryTimeoutInMilliseconds || undefined,
  };
}

function toAction(raw: RawAction): OrchestratorAction {
  switch (raw.actionType) {
    case 0:
      return { kind: 'activity', name: raw.functionName ?? '', input: preEncodedInput(raw.input) };
    case 1:
      return {
        kind: 'activity',
        name: raw.functionName ?? '',
        input: preEncodedInput(raw.input),
        retry: retryPolicy(raw.retryOptions),
      };
    case 2:
    case 3:
      return {
        kind: 'subOrchestration',
        name: raw.functionName ?? '',
        instanceId: raw.instanceId || undefined,
        input: plainInput(raw.input),
        retry: raw.actionType === 3 ? retryPolicy(raw.retryOptions) : undefined,
      };
    case 4:
      return { kind: 'continueAsNew', input: preEncodedInput(raw.input) };
    case 5:
      return { kind: 'timer', fireAt: new Date(raw.fireAt ?? 0).getTime() };
    case 6:
      return { kind: 'waitForEvent', name: raw.externalEventName ?? '' };
    case 7:
      return { kind: 'unsupported', description: 'entity calls (callEntity)', consumesId: true };
    case 8:
      return { kind: 'unsupported', description: 'durable HTTP calls (callHttp)', consumesId: true };
    default:
      return { kind: 'unsupported', description: `actions of type ${raw.actionType}`, consumesId: false };
  }
}

/**
 * Leaves in sequence-number order. A task yielded again inside a later Task.all/any (a deadline timer raced in a
 * loop) re-appears as the same action object but keeps its id, so repeated objects are skipped; that needs the
 * SDK's objects, which is why the state is read before JSON conversion when possible.
 */
function flatten(raws: RawAction[], out: OrchestratorAction[], seen: Set<RawAction>): void {
  for (const raw of raws) {
    if (seen.has(raw)) continue;
    seen.add(raw);
    if ((raw.actionType === 11 || raw.actionType === 12) && raw.compoundActions) {
      flatten(raw.compoundActions, out, seen);
    } else out.push(toAction(raw));
  }
}

function parseState(state: RawState, error?: string): EpisodeOutcome {
  const actions: OrchestratorAction[] = [];
  const seen = new Set<RawAction>();
  for (const group of state.actions ?? []) flatten(group, actions, seen);
  return {
    actions,
    done: state.isDone,
    output: state.output === undefined ? null : JSON.stringify(state.output),
    customStatus: state.customStatus === undefined ? null : JSON.stringify(state.customStatus),
    error: error ?? state.error,
  };
}

/** Reads the orchestrator function's return value (typed data holding the state as JSON). */
export function parseOrchestratorResult(
  returnValue: RpcTypedData | null | undefined,
  handlerResult?: unknown,
): EpisodeOutcome {
  const direct = handlerResult as Partial<RawState> | undefined;
  if (direct && typeof direct === 'object' && Array.isArray(direct.actions))
    return parseState(direct as RawState);
  const text = returnValue?.json ?? returnValue?.string;
  if (text === undefined) throw new Error('orchestrator returned no state');
  return parseState(JSON.parse(text) as RawState);
}

const outOfProcLabel = '\n\n$OutOfProcData$:';

/** An orchestrator that threw reports its state after a label in the error message. */
export function parseOrchestratorError(error: unknown): EpisodeOutcome {
  const message = error instanceof Error ? error.message : String(error);
  const at = message.indexOf(outOfProcLabel);
  if (at < 0) return { actions: [], done: false, output: null, customStatus: null, error: message };
  // The SDK puts a boolean before the label; the orchestrator's own message is the state's `error`.
  const state = JSON.parse(message.slice(at + outOfProcLabel.length)) as RawState;
  return parseState(state, state.error ?? message.slice(0, at));
}

/** History as the status API shows it (`showHistory=true`): event names instead of numbers. */
export function describeHistory(history: WireEvent[], withOutput: boolean): unknown[] {
  return history.map((e) => {
    const { EventType: type, IsPlayed: _played, Result, Input, ...rest } = e;
    const out: Record<string, unknown> = { EventType: eventTypeNames.get(type) ?? type, ...rest };
    if (withOutput && Result !== undefined) out.Result = Result;
    if (Input !== undefined && type === EventType.ExecutionStarted) out.Input = Input;
    return out;
  });
}

export function markPlayed(events: WireEvent[]): void {
  for (const e of events) e.IsPlayed = true;
}
