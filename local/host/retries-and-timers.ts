/**
 * The retry and long-timer state machine DTFx runs on the orchestrator's behalf, over one instance's record.
 *
 * `callActivityWithRetry` / `callSubOrchestratorWithRetry`: a failed attempt is not delivered to user code; a retry
 * timer is created instead, and when it fires the next attempt starts (or, once the schedule is exhausted, the last
 * failure is delivered). A timer longer than the maximum short timer is split into segments of the long-running
 * interval, each taking a new sequence number, until the final fire time. Each of these steps takes a sequence
 * number without an action the SDK emits, so the episode delivers the events that trigger them last
 * ({@link allocatesId}) and the ids stay deterministic.
 */
import { nextRetryDelay } from './retry';
import type { InstanceRecord } from './store';
import {
  longRunningTimerIntervalMs,
  maximumShortTimerMs,
  type OrchestrationMessage,
  type OrchestratorAction,
} from './wire';

/** What the state machine asks the episode to do; the episode records the history events and the work. */
export interface RetryTimerEffects {
  createTimer(timerId: number, fireAt: number): void;
  scheduleActivity(taskId: number, name: string, input: string | null): void;
  startSubOrchestration(
    taskId: number,
    name: string,
    instanceId: string | undefined,
    input: string | null,
  ): void;
  /** Delivers a message to this execution of the instance. */
  deliver(message: OrchestrationMessage): void;
}

/**
 * Events that make the SDK take a sequence number without emitting an action (a retry's timer or next attempt, a
 * long timer's next segment) never resume user code, so delivering them after all other events makes the ids
 * deterministic: first the new actions' ids, then one per such event, in delivery order.
 */
export function allocatesId(inst: InstanceRecord, m: OrchestrationMessage, now: number): boolean {
  switch (m.kind) {
    case 'taskFailed':
    case 'subOrchestrationFailed':
      return inst.retries[m.taskId]?.phase === 'attempt';
    case 'timerFired': {
      const retry = inst.retries[m.timerId];
      if (retry?.phase === 'timer') return retry.attempts < retry.policy.maxNumberOfAttempts;
      const finalAt = inst.longTimers[m.timerId];
      return finalAt !== undefined && finalAt > now;
    }
    default:
      return false;
  }
}

/** Records the retry policy of a new activity or sub-orchestration call (its first attempt has id `id`). */
export function trackRetry(
  inst: InstanceRecord,
  id: number,
  action: Extract<OrchestratorAction, { kind: 'activity' | 'subOrchestration' }>,
  now: number,
): void {
  if (!action.retry) return;
  inst.retries[id] =
    action.kind === 'activity'
      ? {
          kind: 'activity',
          name: action.name,
          input: action.input,
          policy: action.retry,
          attempts: 1,
          firstAttemptAt: now,
          phase: 'attempt',
        }
      : {
          kind: 'subOrchestration',
          name: action.name,
          input: action.input,
          instanceId: action.instanceId,
          policy: action.retry,
          attempts: 1,
          firstAttemptAt: now,
          phase: 'attempt',
        };
}

/** When a new timer with id `id` first fires: its own time, or the first segment of a long timer. */
export function firstTimerFire(inst: InstanceRecord, id: number, fireAt: number, now: number): number {
  if (fireAt - now <= maximumShortTimerMs) return fireAt;
  inst.longTimers[id] = fireAt;
  return now + longRunningTimerIntervalMs;
}

/** Bookkeeping for retries and long timers once an event was delivered (allocating ones take the next ids). */
export function afterDelivery(
  inst: InstanceRecord,
  m: OrchestrationMessage,
  alloc: boolean,
  now: number,
  effects: RetryTimerEffects,
): void {
  if (m.kind === 'taskCompleted' || m.kind === 'subOrchestrationCompleted') {
    delete inst.retries[m.taskId];
    return;
  }
  if (m.kind === 'taskFailed' || m.kind === 'subOrchestrationFailed') {
    const retry = inst.retries[m.taskId];
    if (!retry || !alloc) return;
    delete inst.retries[m.taskId];
    const timerId = inst.nextSeq++;
    retry.lastError = { reason: m.reason, details: m.details };
    const delay = nextRetryDelay(retry.policy, retry.attempts, retry.firstAttemptAt, now);
    if (delay === undefined && retry.attempts < retry.policy.maxNumberOfAttempts)
      retry.exhaustedWith = retry.lastError;
    retry.phase = 'timer';
    inst.retries[timerId] = retry;
    effects.createTimer(timerId, now + (delay ?? 0));
    return;
  }
  if (m.kind !== 'timerFired') return;
  const retry = inst.retries[m.timerId];
  if (retry) {
    delete inst.retries[m.timerId];
    if (!alloc) return;
    const attemptId = inst.nextSeq++;
    retry.attempts++;
    retry.phase = 'attempt';
    inst.retries[attemptId] = retry;
    if (retry.exhaustedWith) {
      effects.deliver(
        retry.kind === 'activity'
          ? { kind: 'taskFailed', taskId: attemptId, ...retry.exhaustedWith }
          : { kind: 'subOrchestrationFailed', taskId: attemptId, ...retry.exhaustedWith },
      );
    } else if (retry.kind === 'activity') {
      effects.scheduleActivity(attemptId, retry.name, retry.input);
    } else {
      effects.startSubOrchestration(attemptId, retry.name, retry.instanceId, retry.input);
    }
    return;
  }
  const finalAt = inst.longTimers[m.timerId];
  if (finalAt === undefined) return;
  delete inst.longTimers[m.timerId];
  if (!alloc) return;
  const segmentId = inst.nextSeq++;
  const fireAt = finalAt - now > maximumShortTimerMs ? now + longRunningTimerIntervalMs : finalAt;
  inst.longTimers[segmentId] = finalAt;
  effects.createTimer(segmentId, fireAt);
}
