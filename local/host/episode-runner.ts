/**
 * One episode of one instance: applies control messages (terminate, suspend, resume), hands the visible events to the
 * real durable-functions replay engine, and turns its answer into history, activity work, timers, sub-orchestrations
 * and messages, all in one store transaction. Also the instance lifecycle around episodes: creation,
 * continueAsNew, completion and the parent's notification.
 */
import type { ActivityRunner, CompletedActivity } from './activity-runner';
import type { EngineOptions } from './engine';
import { isTerminal, compactGuid } from './instances';
import { invoke } from './invocation';
import {
  afterDelivery,
  allocatesId,
  firstTimerFire,
  trackRetry,
  type RetryTimerEffects,
} from './retries-and-timers';
import type { InstanceScheduler } from './scheduler';
import type { ActivityWork, InboxBody, InstanceRecord, RuntimeStatus, StoredMessage } from './store';
import {
  consumesId,
  executionCompleted,
  executionResumed,
  executionSuspended,
  executionTerminated,
  markPlayed,
  messageToEvent,
  orchestrationTriggerData,
  orchestratorCompleted,
  orchestratorStarted,
  parseOrchestratorError,
  parseOrchestratorResult,
  subOrchestrationCreated,
  taskScheduled,
  timerCreated,
  type EpisodeOutcome,
  type OrchestrationMessage,
  type ParentLink,
  type WireEvent,
} from './wire';

export interface EpisodeRunnerParts {
  opts: EngineOptions;
  instances: Map<string, InstanceRecord>;
  scheduler: InstanceScheduler;
  /** The activity runner (created after the episode runner, which it reports completions to). */
  activities(): ActivityRunner;
}

/** Activity work an episode creates; stored in its transaction, queued after it commits. */
class EpisodeEffects {
  readonly activities: Omit<ActivityWork, 'id'>[] = [];
  readonly stored: ActivityWork[] = [];
}

export class EpisodeRunner {
  private readonly opts: EngineOptions;
  private readonly instances: Map<string, InstanceRecord>;
  private readonly scheduler: InstanceScheduler;

  constructor(private readonly parts: EpisodeRunnerParts) {
    this.opts = parts.opts;
    this.instances = parts.instances;
    this.scheduler = parts.scheduler;
  }

  /** Creates (or recreates) an instance and queues its ExecutionStarted. Must run inside a store transaction. */
  createInstance(name: string, id: string, input: string | null, parent: ParentLink | null): InstanceRecord {
    const now = this.opts.clock.now();
    const previous = this.instances.get(id);
    if (previous) {
      this.opts.store.purgeInstance(id);
      this.scheduler.clearInbox(id);
    }
    const inst: InstanceRecord = {
      instanceId: id,
      name,
      executionId: compactGuid(),
      status: 'Pending',
      input,
      output: null,
      customStatus: null,
      createdAt: now,
      updatedAt: now,
      parent,
      nextSeq: 0,
      actionCount: 0,
      retries: {},
      longTimers: {},
      history: [],
      persistedHistory: 0,
    };
    this.instances.set(id, inst);
    this.opts.store.saveInstance(inst);
    this.scheduler.send(id, inst.executionId, {
      kind: 'event',
      message: {
        kind: 'executionStarted',
        name,
        input,
        executionId: inst.executionId,
        parent: parent ?? undefined,
      },
    });
    return inst;
  }

  /** Runs one episode over the instance's visible messages (the scheduler calls it, one at a time per instance). */
  async processInstance(id: string): Promise<void> {
    const now = this.opts.clock.now();
    const visible = this.scheduler.messagesOf(id).filter((m) => m.visibleAt <= now);
    if (!visible.length) return;
    const inst = this.instances.get(id);
    const store = this.opts.store;
    if (!inst) {
      store.tx(() => visible.forEach((m) => store.deleteMessage(m.id)));
      this.scheduler.removeFromInbox(id, new Set(visible.map((m) => m.id)));
      return;
    }

    const controls = visible.filter((m) => m.body.kind === 'control');
    if (controls.length) {
      store.tx(() => {
        for (const m of controls)
          this.applyControl(inst, m.body as Extract<InboxBody, { kind: 'control' }>, now);
        controls.forEach((m) => store.deleteMessage(m.id));
        store.saveInstance(inst);
      });
      this.scheduler.removeFromInbox(id, new Set(controls.map((m) => m.id)));
    }

    const events = visible.filter((m) => m.body.kind === 'event');
    if (isTerminal(inst.status)) {
      // Late completions and events for a finished instance are dropped, as on Azure.
      store.tx(() => events.forEach((m) => store.deleteMessage(m.id)));
      this.scheduler.removeFromInbox(id, new Set(events.map((m) => m.id)));
      return;
    }
    if (inst.status === 'Suspended') return;
    const current = events.filter((m) => m.executionId === null || m.executionId === inst.executionId);
    const stale = events.filter((m) => !current.includes(m));
    if (stale.length) {
      store.tx(() => stale.forEach((m) => store.deleteMessage(m.id)));
      this.scheduler.removeFromInbox(id, new Set(stale.map((m) => m.id)));
    }
    if (!current.length) return;
    await this.runEpisode(inst, current, now);
  }

  /** Commits finished activities: drops their work rows and delivers results to current executions. */
  commitCompletions(batch: CompletedActivity[]): void {
    this.opts.store.tx(() => {
      for (const { work, message } of batch) {
        this.opts.store.deleteActivity(work.id);
        if (this.isCurrent(work))
          this.scheduler.send(work.instanceId, work.executionId, { kind: 'event', message });
      }
    });
  }

  /** The work belongs to the running execution of a live instance (else its result is dropped). */
  isCurrent(work: ActivityWork): boolean {
    const inst = this.instances.get(work.instanceId);
    return !!inst && inst.executionId === work.executionId && !isTerminal(inst.status);
  }

  private applyControl(
    inst: InstanceRecord,
    body: Extract<InboxBody, { kind: 'control' }>,
    now: number,
  ): void {
    if (isTerminal(inst.status)) return;
    if (body.op === 'terminate') {
      inst.status = 'Terminated';
      inst.output = JSON.stringify(body.reason);
      inst.history.push(executionTerminated(now, body.reason));
      inst.updatedAt = now;
      this.opts.store.deleteActivitiesOf(inst.instanceId);
      this.dropPendingTimers(inst);
      this.notifyParent(inst, 'Terminated', null, `was terminated: ${body.reason}`);
      this.opts.log(`instance ${inst.instanceId} terminated: ${body.reason}`);
    } else if (body.op === 'suspend' && inst.status !== 'Suspended') {
      inst.status = 'Suspended';
      inst.history.push(executionSuspended(now, body.reason));
      inst.updatedAt = now;
    } else if (body.op === 'resume' && inst.status === 'Suspended') {
      inst.status = inst.history.some((e) => e.EventType === 0) ? 'Running' : 'Pending';
      inst.history.push(executionResumed(now, body.reason));
      inst.updatedAt = now;
      this.scheduler.markReady(inst.instanceId);
    }
  }

  private async runEpisode(inst: InstanceRecord, messages: StoredMessage[], now: number): Promise<void> {
    const store = this.opts.store;
    const msgs = messages.map((m) => (m.body as Extract<InboxBody, { kind: 'event' }>).message);
    const order = msgs.map((m, i) => ({ m, i, alloc: allocatesId(inst, m, now) }));
    order.sort(
      (a, b) =>
        Number(b.m.kind === 'executionStarted') - Number(a.m.kind === 'executionStarted') ||
        Number(a.alloc) - Number(b.alloc) ||
        a.i - b.i,
    );
    if (!inst.history.length && !order.some((o) => o.m.kind === 'executionStarted')) {
      this.opts.log(`engine: instance ${inst.instanceId} has messages but never started; dropping them`);
      store.tx(() => messages.forEach((m) => store.deleteMessage(m.id)));
      this.scheduler.removeFromInbox(inst.instanceId, new Set(messages.map((m) => m.id)));
      return;
    }
    const newEvents: WireEvent[] = [orchestratorStarted(now)];
    for (const o of order) newEvents.push(messageToEvent(o.m, inst.instanceId, now));
    const history = inst.history.concat(newEvents);

    const executionId = inst.executionId;
    const outcome = await this.invokeOrchestrator(inst, history);
    if (this.scheduler.closed) return;
    if (this.instances.get(inst.instanceId) !== inst || inst.executionId !== executionId) return;

    markPlayed(newEvents);
    inst.history = history;
    const effects = new EpisodeEffects();
    store.tx(() => {
      const continued = this.applyOutcome(inst, outcome, order, now, effects);
      if (!continued) inst.history.push(orchestratorCompleted(now));
      inst.updatedAt = now;
      messages.forEach((m) => store.deleteMessage(m.id));
      store.saveInstance(inst);
      for (const w of effects.activities) effects.stored.push(store.insertActivity(w));
    });
    this.scheduler.removeFromInbox(inst.instanceId, new Set(messages.map((m) => m.id)));
    const activities = this.parts.activities();
    for (const w of effects.stored) activities.enqueue(w);
    activities.pump();
  }

  private async invokeOrchestrator(inst: InstanceRecord, history: WireEvent[]): Promise<EpisodeOutcome> {
    const fn = this.opts.registry.find(inst.name, 'orchestration');
    if (!fn) {
      return {
        actions: [],
        done: false,
        output: null,
        customStatus: null,
        error: `orchestrator '${inst.name}' is not registered`,
      };
    }
    const trigger = orchestrationTriggerData(inst.instanceId, history, inst.input, inst.parent?.instanceId);
    try {
      const result = await invoke(fn, trigger, this.opts.extraInputsFor(fn), this.opts.log);
      return parseOrchestratorResult(result.returnValue, result.handlerResult);
    } catch (err) {
      return parseOrchestratorError(err);
    }
  }

  /**
   * Turns the SDK's answer into history, work and messages. Runs inside the episode's transaction. Returns true when
   * the instance continued as new (its history was reset).
   */
  private applyOutcome(
    inst: InstanceRecord,
    outcome: EpisodeOutcome,
    delivered: { m: OrchestrationMessage; alloc: boolean }[],
    now: number,
    effects: EpisodeEffects,
  ): boolean {
    if (inst.status === 'Pending') inst.status = 'Running';
    inst.customStatus = outcome.customStatus;

    const idActions = outcome.actions.filter(consumesId);
    const unsupported = outcome.actions.find((a) => a.kind === 'unsupported');
    if (outcome.error !== undefined || unsupported) {
      const message =
        outcome.error ??
        `the local host does not support ${unsupported?.kind === 'unsupported' ? unsupported.description : ''}`;
      this.finish(
        inst,
        'Failed',
        JSON.stringify(`Orchestrator function '${inst.name}' failed: ${message}`),
        now,
        message,
      );
      return false;
    }

    const continueAsNew = outcome.done ? outcome.actions.find((a) => a.kind === 'continueAsNew') : undefined;
    if (continueAsNew?.kind === 'continueAsNew') {
      this.continueAsNew(inst, continueAsNew.input);
      return true;
    }

    for (const action of idActions.slice(inst.actionCount)) {
      const id = inst.nextSeq++;
      if (action.kind === 'activity') {
        trackRetry(inst, id, action, now);
        this.scheduleActivity(inst, id, action.name, action.input, now, effects);
      } else if (action.kind === 'subOrchestration') {
        trackRetry(inst, id, action, now);
        this.startSubOrchestration(inst, id, action.name, action.instanceId, action.input, now);
      } else if (action.kind === 'timer') {
        this.createTimer(inst, id, firstTimerFire(inst, id, action.fireAt, now), now);
      }
    }
    inst.actionCount = idActions.length;

    const retryEffects: RetryTimerEffects = {
      createTimer: (timerId, fireAt) => this.createTimer(inst, timerId, fireAt, now),
      scheduleActivity: (taskId, name, input) =>
        this.scheduleActivity(inst, taskId, name, input, now, effects),
      startSubOrchestration: (taskId, name, instanceId, input) =>
        this.startSubOrchestration(inst, taskId, name, instanceId, input, now),
      deliver: (message) =>
        this.scheduler.send(inst.instanceId, inst.executionId, { kind: 'event', message }),
    };
    for (const { m, alloc } of delivered) afterDelivery(inst, m, alloc, now, retryEffects);

    if (outcome.done) this.finish(inst, 'Completed', outcome.output, now);
    return false;
  }

  private scheduleActivity(
    inst: InstanceRecord,
    taskId: number,
    name: string,
    input: string | null,
    now: number,
    effects: EpisodeEffects,
  ): void {
    inst.history.push(taskScheduled(now, taskId, name, input));
    effects.activities.push({
      instanceId: inst.instanceId,
      executionId: inst.executionId,
      taskId,
      name,
      input,
    });
  }

  private createTimer(inst: InstanceRecord, timerId: number, fireAt: number, now: number): void {
    inst.history.push(timerCreated(now, timerId, fireAt));
    this.scheduler.send(
      inst.instanceId,
      inst.executionId,
      { kind: 'event', message: { kind: 'timerFired', timerId, fireAt } },
      fireAt,
    );
  }

  private startSubOrchestration(
    inst: InstanceRecord,
    taskId: number,
    name: string,
    explicitId: string | undefined,
    input: string | null,
    now: number,
  ): void {
    // DTFx's default id: the parent's execution id and the task's sequence number.
    const childId = explicitId ?? `${inst.executionId}:${taskId}`;
    inst.history.push(subOrchestrationCreated(now, taskId, name, childId, input));
    const fn = this.opts.registry.find(name, 'orchestration');
    const existing = this.instances.get(childId);
    const problem = !fn
      ? `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`
      : existing && !isTerminal(existing.status)
        ? `An orchestration instance with ID '${childId}' already exists and is ${existing.status}.`
        : undefined;
    if (problem || !fn) {
      this.scheduler.send(inst.instanceId, inst.executionId, {
        kind: 'event',
        message: { kind: 'subOrchestrationFailed', taskId, reason: problem ?? '', details: problem ?? '' },
      });
      return;
    }
    this.createInstance(fn.name, childId, input, {
      instanceId: inst.instanceId,
      executionId: inst.executionId,
      taskId,
      name: inst.name,
    });
  }

  private continueAsNew(inst: InstanceRecord, input: string | null): void {
    // A new execution: fresh history and sequence numbers; undelivered completions of the old one become stale,
    // and events already delivered but not consumed are dropped (the JS SDK cannot carry them over).
    inst.executionId = compactGuid();
    inst.input = input;
    inst.history = [];
    this.opts.store.resetHistory(inst);
    this.opts.store.deleteActivitiesOf(inst.instanceId);
    this.dropPendingTimers(inst);
    inst.nextSeq = 0;
    inst.actionCount = 0;
    inst.retries = {};
    inst.longTimers = {};
    inst.status = 'Running';
    this.scheduler.send(inst.instanceId, inst.executionId, {
      kind: 'event',
      message: {
        kind: 'executionStarted',
        name: inst.name,
        input,
        executionId: inst.executionId,
        parent: inst.parent ?? undefined,
      },
    });
  }

  private dropPendingTimers(inst: InstanceRecord): void {
    const timers = this.scheduler
      .messagesOf(inst.instanceId)
      .filter((m) => m.body.kind === 'event' && m.body.message.kind === 'timerFired');
    for (const m of timers) this.opts.store.deleteMessage(m.id);
    this.scheduler.removeFromInbox(inst.instanceId, new Set(timers.map((m) => m.id)));
  }

  private finish(
    inst: InstanceRecord,
    status: 'Completed' | 'Failed',
    output: string | null,
    now: number,
    failure?: string,
  ): void {
    inst.status = status;
    inst.output = output;
    inst.history.push(executionCompleted(now, status, output));
    inst.retries = {};
    inst.longTimers = {};
    this.opts.store.deleteActivitiesOf(inst.instanceId);
    this.dropPendingTimers(inst);
    if (status === 'Failed')
      this.opts.log(`instance ${inst.instanceId} (${inst.name}) failed: ${failure ?? ''}`);
    this.notifyParent(inst, status, output, `failed: ${failure ?? ''}`);
  }

  /** As DTFx does: a parent hears Completed as completion and every other end (failed, terminated) as failure. */
  private notifyParent(
    inst: InstanceRecord,
    status: RuntimeStatus,
    output: string | null,
    failure: string,
  ): void {
    const parent = inst.parent;
    if (!parent || !this.instances.has(parent.instanceId)) return;
    const message: OrchestrationMessage =
      status === 'Completed'
        ? { kind: 'subOrchestrationCompleted', taskId: parent.taskId, result: output }
        : {
            kind: 'subOrchestrationFailed',
            taskId: parent.taskId,
            reason: `Sub-orchestration '${inst.name}' (${inst.instanceId}) ${failure}`,
            details: failure,
          };
    this.scheduler.send(parent.instanceId, parent.executionId, { kind: 'event', message });
  }
}
