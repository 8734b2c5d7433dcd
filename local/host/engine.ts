/**
 * The durable engine: runs orchestration episodes through the real durable-functions replay engine, executes
 * activities with the host.json concurrency limit, fires durable timers from the injected clock, and applies DTFx's
 * rules where the SDK depends on them (retry events, sub-orchestration ids, long timers, continueAsNew).
 *
 * Every state change is one store transaction. Messages that are visible when an episode starts are all delivered in
 * that episode, and an instance with activities still running waits a few milliseconds for more completions, so a
 * fan-out replays its history a handful of times rather than once per activity.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { RpcTypedData } from './core-shim';
import { ActivityRunner, type CompletedActivity } from './activity-runner';
import { invoke, type HostLog } from './invocation';
import type { FunctionRegistry, RegisteredFunction } from './registry';
import { nextRetryDelay } from './retry';
import type {
  ActivityWork,
  HostStore,
  InboxBody,
  InstanceRecord,
  RetryState,
  RuntimeStatus,
  StoredMessage,
} from './store';
import {
  consumesId,
  executionCompleted,
  executionResumed,
  executionSuspended,
  executionTerminated,
  longRunningTimerIntervalMs,
  markPlayed,
  maximumShortTimerMs,
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

export interface EngineOptions {
  registry: FunctionRegistry;
  store: HostStore;
  clock: Clock;
  log: HostLog;
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
  /** Durable client payloads (and any other extra inputs the host provides) for a function about to run. */
  extraInputsFor(fn: RegisteredFunction): Record<string, RpcTypedData>;
  /** How long an instance with activities in flight waits for more completions before its next episode. */
  batchWindowMs?: number;
  /** host.json functionTimeout: an activity running longer fails (it keeps running, but its slot is freed). */
  functionTimeoutMs?: number;
}

const terminalStatuses: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

export function isTerminal(status: RuntimeStatus): boolean {
  return terminalStatuses.has(status);
}

/** Thrown by client operations; `status` is the HTTP status the extension answers with. */
export class DurableApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface InstanceQuery {
  createdTimeFrom?: number;
  createdTimeTo?: number;
  runtimeStatus?: string[];
}

const newExecutionId = (): string => randomUUID().replace(/-/g, '');

export class DurableEngine {
  private readonly instances = new Map<string, InstanceRecord>();
  private readonly inbox = new Map<string, StoredMessage[]>();
  private readonly ready = new Set<string>();
  private readonly busy = new Set<string>();
  private readonly deferred = new Map<string, NodeJS.Timeout>();
  /** Instances that already waited one batching window since they became ready. */
  private readonly waited = new Set<string>();
  /** Wall-clock cost of each instance's last episode, for the batching window. */
  private readonly lastEpisodeMs = new Map<string, number>();
  private readonly timerCancels = new Map<number, () => void>();
  private pumpScheduled = false;
  private runningEpisodes = 0;
  private closed = false;
  private readonly batchWindowMs: number;
  private readonly changeListeners = new Set<() => void>();
  private readonly activities: ActivityRunner;

  constructor(private readonly opts: EngineOptions) {
    this.batchWindowMs = opts.batchWindowMs ?? 10;
    this.activities = new ActivityRunner({
      registry: opts.registry,
      log: opts.log,
      maxConcurrent: opts.maxConcurrentActivities,
      functionTimeoutMs: opts.functionTimeoutMs,
      extraInputsFor: opts.extraInputsFor,
      isCurrent: (work) => this.isCurrent(work),
      commit: (batch) => this.commitCompletions(batch),
      onChange: () => this.notifyChange(),
    });
  }

  /** Loads the store and resumes everything: pending messages, timers and activities not yet completed. */
  start(): void {
    const { instances, messages, activities } = this.opts.store.loadAll();
    for (const inst of instances) this.instances.set(inst.instanceId, inst);
    for (const m of messages) this.addToInbox(m);
    for (const w of activities) this.activities.enqueue(w);
    this.activities.pump();
  }

  // ---------------------------------------------------------------- client operations

  startNew(name: string, instanceId: string | undefined, input: string | null): InstanceRecord {
    this.assertOpen();
    const fn = this.opts.registry.find(name, 'orchestration');
    if (!fn)
      throw new DurableApiError(
        400,
        `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    const existing = this.instances.get(id);
    if (existing && !isTerminal(existing.status)) {
      throw new DurableApiError(
        500,
        `An orchestration instance with ID '${id}' already exists and is ${existing.status}.`,
      );
    }
    let created!: InstanceRecord;
    this.opts.store.tx(() => {
      created = this.createInstance(fn.name, id, input, null);
    });
    return created;
  }

  get(instanceId: string): InstanceRecord | undefined {
    return this.instances.get(instanceId);
  }

  query(q: InstanceQuery): InstanceRecord[] {
    const statuses = q.runtimeStatus?.length ? new Set(q.runtimeStatus) : undefined;
    return [...this.instances.values()]
      .filter(
        (i) =>
          (q.createdTimeFrom === undefined || i.createdAt >= q.createdTimeFrom) &&
          (q.createdTimeTo === undefined || i.createdAt <= q.createdTimeTo) &&
          (!statuses || statuses.has(i.status)),
      )
      .sort((a, b) => a.createdAt - b.createdAt || a.instanceId.localeCompare(b.instanceId));
  }

  raiseEvent(instanceId: string, name: string, input: string | null): void {
    const inst = this.requireActive(instanceId);
    this.opts.store.tx(() => {
      this.send(inst.instanceId, null, { kind: 'event', message: { kind: 'eventRaised', name, input } });
    });
  }

  terminate(instanceId: string, reason: string): void {
    this.control(instanceId, 'terminate', reason);
  }

  suspend(instanceId: string, reason: string): void {
    this.control(instanceId, 'suspend', reason);
  }

  resume(instanceId: string, reason: string): void {
    this.control(instanceId, 'resume', reason);
  }

  /** Deletes terminal instances; returns how many were deleted. Running ones are left alone. */
  purge(instanceIds: string[]): number {
    let deleted = 0;
    this.opts.store.tx(() => {
      for (const id of instanceIds) {
        const inst = this.instances.get(id);
        if (!inst || !isTerminal(inst.status) || this.busy.has(id)) continue;
        this.opts.store.purgeInstance(id);
        this.instances.delete(id);
        this.lastEpisodeMs.delete(id);
        this.inbox.delete(id);
        deleted++;
      }
    });
    this.notifyChange();
    return deleted;
  }

  // ---------------------------------------------------------------- idle / observation

  /** Nothing queued, running or visible now. */
  isIdle(): boolean {
    if (this.runningEpisodes || !this.activities.idle) return false;
    if (this.ready.size || this.busy.size || this.deferred.size || this.pumpScheduled) return false;
    const now = this.opts.clock.now();
    for (const [id, list] of this.inbox) {
      const inst = this.instances.get(id);
      if (inst?.status === 'Suspended') {
        if (list.some((m) => m.body.kind === 'control' && m.visibleAt <= now)) return false;
        continue;
      }
      if (list.some((m) => m.visibleAt <= now)) return false;
    }
    return true;
  }

  /** Called after every state change; used by waiters and time skipping. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.activities.close();
    for (const t of this.deferred.values()) clearTimeout(t);
    this.deferred.clear();
    for (const cancel of this.timerCancels.values()) cancel();
    this.timerCancels.clear();
    const deadline = Date.now() + 5000;
    while (this.runningEpisodes > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  // ---------------------------------------------------------------- internals: messages and scheduling

  private assertOpen(): void {
    if (this.closed) throw new DurableApiError(503, 'The local host is shutting down.');
  }

  private requireActive(instanceId: string): InstanceRecord {
    this.assertOpen();
    const inst = this.instances.get(instanceId);
    if (!inst) throw new DurableApiError(404, `No instance with ID '${instanceId}' found.`);
    if (isTerminal(inst.status)) {
      throw new DurableApiError(410, `The instance '${instanceId}' has already completed (${inst.status}).`);
    }
    return inst;
  }

  private control(instanceId: string, op: 'terminate' | 'suspend' | 'resume', reason: string): void {
    const inst = this.requireActive(instanceId);
    this.opts.store.tx(() => this.send(inst.instanceId, null, { kind: 'control', op, reason }));
  }

  /** Creates (or recreates) an instance and queues its ExecutionStarted. Must run inside a store transaction. */
  private createInstance(
    name: string,
    id: string,
    input: string | null,
    parent: ParentLink | null,
  ): InstanceRecord {
    const now = this.opts.clock.now();
    const previous = this.instances.get(id);
    if (previous) {
      this.opts.store.purgeInstance(id);
      this.inbox.delete(id);
    }
    const inst: InstanceRecord = {
      instanceId: id,
      name,
      executionId: newExecutionId(),
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
    this.send(id, inst.executionId, {
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

  /** Stores a message (inside the caller's transaction) and wakes its instance when it is visible. */
  private send(instanceId: string, executionId: string | null, body: InboxBody, visibleAt?: number): void {
    const stored = this.opts.store.insertMessage({
      instanceId,
      executionId,
      visibleAt: visibleAt ?? this.opts.clock.now(),
      body,
    });
    this.addToInbox(stored);
  }

  private addToInbox(m: StoredMessage): void {
    let list = this.inbox.get(m.instanceId);
    if (!list) this.inbox.set(m.instanceId, (list = []));
    list.push(m);
    if (m.visibleAt <= this.opts.clock.now()) this.markReady(m.instanceId);
    else {
      const cancel = this.opts.clock.schedule(m.visibleAt, () => {
        this.timerCancels.delete(m.id);
        this.markReady(m.instanceId);
      });
      this.timerCancels.set(m.id, cancel);
    }
  }

  private removeFromInbox(instanceId: string, ids: Set<number>): void {
    const list = this.inbox.get(instanceId);
    if (!list) return;
    const rest = list.filter((m) => !ids.has(m.id));
    if (rest.length) this.inbox.set(instanceId, rest);
    else this.inbox.delete(instanceId);
    for (const id of ids) {
      this.timerCancels.get(id)?.();
      this.timerCancels.delete(id);
    }
  }

  private markReady(instanceId: string): void {
    if (this.closed) return;
    this.ready.add(instanceId);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed) return;
    for (const id of [...this.ready]) {
      if (this.runningEpisodes >= this.opts.maxConcurrentOrchestrations) break;
      if (this.busy.has(id) || this.deferred.has(id)) continue;
      if (
        this.activities.inFlight(id) > 0 &&
        this.batchWindowMs > 0 &&
        !this.waited.has(id) &&
        !this.hasControlOrStart(id)
      ) {
        // More completions are coming: give them a moment to land in the same episode.
        this.deferred.set(
          id,
          setTimeout(() => {
            this.deferred.delete(id);
            this.waited.add(id);
            this.schedulePump();
          }, this.batchWindowFor(id)),
        );
        continue;
      }
      this.ready.delete(id);
      this.waited.delete(id);
      this.busy.add(id);
      this.runningEpisodes++;
      const startedAt = performance.now();
      this.processInstance(id)
        .catch((err: unknown) =>
          this.opts.log(`engine: instance ${id}: ${String(err instanceof Error ? err.stack : err)}`),
        )
        .finally(() => {
          this.lastEpisodeMs.set(id, performance.now() - startedAt);
          this.runningEpisodes--;
          this.busy.delete(id);
          this.schedulePump();
          this.notifyChange();
        });
    }
    this.notifyChange();
  }

  /**
   * The wait for more completions grows with the cost of a replay (twice the last episode, at most a second), so a
   * large history is replayed at most about a third of the time however slowly its activities finish.
   */
  private batchWindowFor(id: string): number {
    return Math.min(1000, Math.max(this.batchWindowMs, 2 * (this.lastEpisodeMs.get(id) ?? 0)));
  }

  private hasControlOrStart(id: string): boolean {
    return (this.inbox.get(id) ?? []).some(
      (m) =>
        m.body.kind === 'control' || (m.body.kind === 'event' && m.body.message.kind === 'executionStarted'),
    );
  }

  private notifyChange(): void {
    for (const l of this.changeListeners) l();
  }

  // ---------------------------------------------------------------- internals: one instance step

  private async processInstance(id: string): Promise<void> {
    const now = this.opts.clock.now();
    const visible = (this.inbox.get(id) ?? []).filter((m) => m.visibleAt <= now);
    if (!visible.length) return;
    const inst = this.instances.get(id);
    const store = this.opts.store;
    if (!inst) {
      store.tx(() => visible.forEach((m) => store.deleteMessage(m.id)));
      this.removeFromInbox(id, new Set(visible.map((m) => m.id)));
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
      this.removeFromInbox(id, new Set(controls.map((m) => m.id)));
    }

    const events = visible.filter((m) => m.body.kind === 'event');
    if (isTerminal(inst.status)) {
      // Late completions and events for a finished instance are dropped, as on Azure.
      store.tx(() => events.forEach((m) => store.deleteMessage(m.id)));
      this.removeFromInbox(id, new Set(events.map((m) => m.id)));
      return;
    }
    if (inst.status === 'Suspended') return;
    const current = events.filter((m) => m.executionId === null || m.executionId === inst.executionId);
    const stale = events.filter((m) => !current.includes(m));
    if (stale.length) {
      store.tx(() => stale.forEach((m) => store.deleteMessage(m.id)));
      this.removeFromInbox(id, new Set(stale.map((m) => m.id)));
    }
    if (!current.length) return;
    await this.runEpisode(inst, current, now);
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
      this.markReady(inst.instanceId);
    }
  }

  /**
   * Events that make the SDK take a sequence number without emitting an action (a retry's timer or next attempt, a
   * long timer's next segment) never resume user code, so delivering them after all other events makes the ids
   * deterministic: first the new actions' ids, then one per such event, in delivery order.
   */
  private allocatesId(inst: InstanceRecord, m: OrchestrationMessage, now: number): boolean {
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

  private async runEpisode(inst: InstanceRecord, messages: StoredMessage[], now: number): Promise<void> {
    const store = this.opts.store;
    const msgs = messages.map((m) => (m.body as Extract<InboxBody, { kind: 'event' }>).message);
    const order = msgs.map((m, i) => ({ m, i, alloc: this.allocatesId(inst, m, now) }));
    order.sort(
      (a, b) =>
        Number(b.m.kind === 'executionStarted') - Number(a.m.kind === 'executionStarted') ||
        Number(a.alloc) - Number(b.alloc) ||
        a.i - b.i,
    );
    if (!inst.history.length && !order.some((o) => o.m.kind === 'executionStarted')) {
      this.opts.log(`engine: instance ${inst.instanceId} has messages but never started; dropping them`);
      store.tx(() => messages.forEach((m) => store.deleteMessage(m.id)));
      this.removeFromInbox(inst.instanceId, new Set(messages.map((m) => m.id)));
      return;
    }
    const newEvents: WireEvent[] = [orchestratorStarted(now)];
    for (const o of order) newEvents.push(messageToEvent(o.m, inst.instanceId, now));
    const history = inst.history.concat(newEvents);

    const executionId = inst.executionId;
    const outcome = await this.invokeOrchestrator(inst, history);
    if (this.closed) return;
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
    this.removeFromInbox(inst.instanceId, new Set(messages.map((m) => m.id)));
    for (const w of effects.stored) this.activities.enqueue(w);
    this.activities.pump();
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
        if (action.retry) {
          inst.retries[id] = {
            kind: 'activity',
            name: action.name,
            input: action.input,
            policy: action.retry,
            attempts: 1,
            firstAttemptAt: now,
            phase: 'attempt',
          };
        }
        this.scheduleActivity(inst, id, action.name, action.input, now, effects);
      } else if (action.kind === 'subOrchestration') {
        if (action.retry) {
          inst.retries[id] = {
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
        this.startSubOrchestration(inst, id, action.name, action.instanceId, action.input, now);
      } else if (action.kind === 'timer') {
        let fireAt = action.fireAt;
        if (fireAt - now > maximumShortTimerMs) {
          inst.longTimers[id] = fireAt;
          fireAt = now + longRunningTimerIntervalMs;
        }
        this.createTimer(inst, id, fireAt, now);
      }
    }
    inst.actionCount = idActions.length;

    for (const { m, alloc } of delivered) this.afterDelivery(inst, m, alloc, now, effects);

    if (outcome.done) this.finish(inst, 'Completed', outcome.output, now);
    return false;
  }

  /** Bookkeeping for retries and long timers once an event was delivered (allocating ones take the next ids). */
  private afterDelivery(
    inst: InstanceRecord,
    m: OrchestrationMessage,
    alloc: boolean,
    now: number,
    effects: EpisodeEffects,
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
      this.createTimer(inst, timerId, now + (delay ?? 0), now);
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
        const failed: OrchestrationMessage =
          retry.kind === 'activity'
            ? { kind: 'taskFailed', taskId: attemptId, ...retry.exhaustedWith }
            : { kind: 'subOrchestrationFailed', taskId: attemptId, ...retry.exhaustedWith };
        this.send(inst.instanceId, inst.executionId, { kind: 'event', message: failed });
      } else if (retry.kind === 'activity') {
        this.scheduleActivity(inst, attemptId, retry.name, retry.input, now, effects);
      } else {
        this.startSubOrchestration(inst, attemptId, retry.name, retry.instanceId, retry.input, now);
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
    this.createTimer(inst, segmentId, fireAt, now);
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
    this.send(
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
      this.send(inst.instanceId, inst.executionId, {
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
    inst.executionId = newExecutionId();
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
    this.send(inst.instanceId, inst.executionId, {
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
    const timers = (this.inbox.get(inst.instanceId) ?? []).filter(
      (m) => m.body.kind === 'event' && m.body.message.kind === 'timerFired',
    );
    for (const m of timers) this.opts.store.deleteMessage(m.id);
    this.removeFromInbox(inst.instanceId, new Set(timers.map((m) => m.id)));
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
    this.send(parent.instanceId, parent.executionId, { kind: 'event', message });
  }

  /** Commits finished activities: drops their work rows and delivers results to current executions. */
  private commitCompletions(batch: CompletedActivity[]): void {
    this.opts.store.tx(() => {
      for (const { work, message } of batch) {
        this.opts.store.deleteActivity(work.id);
        if (this.isCurrent(work)) this.send(work.instanceId, work.executionId, { kind: 'event', message });
      }
    });
  }

  private isCurrent(work: ActivityWork): boolean {
    const inst = this.instances.get(work.instanceId);
    return !!inst && inst.executionId === work.executionId && !isTerminal(inst.status);
  }
}

class EpisodeEffects {
  readonly activities: Omit<ActivityWork, 'id'>[] = [];
  readonly stored: ActivityWork[] = [];
}

export type { RetryState };
