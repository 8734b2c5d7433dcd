/**
 * The durable engine: runs orchestration episodes through the real durable-functions replay engine, executes
 * activities with the host.json concurrency limit, fires durable timers from the injected clock, and applies DTFx's
 * rules where the SDK depends on them (retry events, sub-orchestration ids, long timers, continueAsNew).
 *
 * This file is the front the host and the durable HTTP API use: client operations and observation. The work is
 * split by concern:
 * - scheduler.ts — inboxes, readiness, the orchestration concurrency limit and the batching window;
 * - episode-runner.ts — one episode of one instance, and the instance lifecycle around it;
 * - retries-and-timers.ts — the retry and long-timer state machine;
 * - activity-runner.ts — activity execution.
 *
 * Every state change is one store transaction. Messages that are visible when an episode starts are all delivered in
 * that episode, and an instance with activities still running waits a few milliseconds for more completions, so a
 * fan-out replays its history a handful of times rather than once per activity.
 */
import type { Clock } from '../clock';
import type { RpcTypedData } from './core-shim';
import { ActivityRunner } from './activity-runner';
import { EpisodeRunner } from './episode-runner';
import { DurableApiError, isTerminal, compactGuid } from './instances';
import type { HostLog } from './invocation';
import type { FunctionRegistry, RegisteredFunction } from './registry';
import { InstanceScheduler } from './scheduler';
import type { HostStore, InstanceRecord, RetryState } from './store';

export { DurableApiError, isTerminal };

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

export interface InstanceQuery {
  createdTimeFrom?: number;
  createdTimeTo?: number;
  runtimeStatus?: string[];
}

export class DurableEngine {
  private readonly instances = new Map<string, InstanceRecord>();
  private readonly scheduler: InstanceScheduler;
  private readonly episodes: EpisodeRunner;
  private readonly activities: ActivityRunner;

  constructor(private readonly opts: EngineOptions) {
    this.scheduler = new InstanceScheduler({
      store: opts.store,
      clock: opts.clock,
      log: opts.log,
      maxConcurrentOrchestrations: opts.maxConcurrentOrchestrations,
      batchWindowMs: opts.batchWindowMs ?? 10,
      activitiesInFlight: (id) => this.activities.inFlight(id),
      statusOf: (id) => this.instances.get(id)?.status,
      runInstance: (id) => this.episodes.processInstance(id),
    });
    this.episodes = new EpisodeRunner({
      opts,
      instances: this.instances,
      scheduler: this.scheduler,
      activities: () => this.activities,
    });
    this.activities = new ActivityRunner({
      registry: opts.registry,
      log: opts.log,
      maxConcurrent: opts.maxConcurrentActivities,
      functionTimeoutMs: opts.functionTimeoutMs,
      extraInputsFor: opts.extraInputsFor,
      isCurrent: (work) => this.episodes.isCurrent(work),
      commit: (batch) => this.episodes.commitCompletions(batch),
      onChange: () => this.scheduler.notifyChange(),
    });
  }

  /** Loads the store and resumes everything: pending messages, timers and activities not yet completed. */
  start(): void {
    const { instances, messages, activities } = this.opts.store.loadAll();
    for (const inst of instances) this.instances.set(inst.instanceId, inst);
    for (const m of messages) this.scheduler.addToInbox(m);
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
    const id = instanceId ?? compactGuid();
    const existing = this.instances.get(id);
    if (existing && !isTerminal(existing.status)) {
      throw new DurableApiError(
        500,
        `An orchestration instance with ID '${id}' already exists and is ${existing.status}.`,
      );
    }
    let created!: InstanceRecord;
    this.opts.store.tx(() => {
      created = this.episodes.createInstance(fn.name, id, input, null);
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
      this.scheduler.send(inst.instanceId, null, {
        kind: 'event',
        message: { kind: 'eventRaised', name, input },
      });
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
        if (!inst || !isTerminal(inst.status) || this.scheduler.isBusy(id)) continue;
        this.opts.store.purgeInstance(id);
        this.instances.delete(id);
        this.scheduler.forget(id);
        deleted++;
      }
    });
    this.scheduler.notifyChange();
    return deleted;
  }

  // ---------------------------------------------------------------- idle / observation

  /** Nothing queued, running or visible now. */
  isIdle(): boolean {
    return this.activities.idle && this.scheduler.isIdle();
  }

  /** Called after every state change; used by waiters and time skipping. */
  onChange(listener: () => void): () => void {
    return this.scheduler.onChange(listener);
  }

  async close(): Promise<void> {
    this.scheduler.stop();
    this.activities.close();
    this.scheduler.cancelWakeUps();
    await this.scheduler.episodesDone(5000);
  }

  // ---------------------------------------------------------------- internals

  private assertOpen(): void {
    if (this.scheduler.closed) throw new DurableApiError(503, 'The local host is shutting down.');
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
    this.opts.store.tx(() => this.scheduler.send(inst.instanceId, null, { kind: 'control', op, reason }));
  }
}

export type { RetryState };
