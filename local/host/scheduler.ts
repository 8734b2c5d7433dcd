/**
 * Which instance runs its next episode, and when. Holds every instance's inbox of stored messages, makes an instance
 * ready when one of its messages becomes visible (now, or at a durable timer's fire time on the injected clock), and
 * runs ready instances up to the orchestration concurrency limit, one episode per instance at a time.
 *
 * An instance with activities still running waits a short batching window before its episode, so completions that
 * land together are delivered together and a fan-out replays its history a handful of times rather than once per
 * activity.
 */
import type { Clock } from '../clock';
import type { HostLog } from './invocation';
import type { HostStore, InboxBody, RuntimeStatus, StoredMessage } from './store';

export interface SchedulerOptions {
  store: HostStore;
  clock: Clock;
  log: HostLog;
  maxConcurrentOrchestrations: number;
  /** The shortest wait for more completions of an instance with activities in flight (0 = never wait). */
  batchWindowMs: number;
  /** Activities of an instance not yet completed. */
  activitiesInFlight(instanceId: string): number;
  /** The instance's status, for idleness: a suspended instance only counts its control messages. */
  statusOf(instanceId: string): RuntimeStatus | undefined;
  /** Runs one episode of an instance over its visible messages. */
  runInstance(instanceId: string): Promise<void>;
}

export class InstanceScheduler {
  private readonly inbox = new Map<string, StoredMessage[]>();
  private readonly ready = new Set<string>();
  private readonly busy = new Set<string>();
  private readonly deferred = new Map<string, NodeJS.Timeout>();
  /** Instances that already waited one batching window since they became ready. */
  private readonly waited = new Set<string>();
  /** Wall-clock cost of each instance's last episode, for the batching window. */
  private readonly lastEpisodeMs = new Map<string, number>();
  private readonly timerCancels = new Map<number, () => void>();
  private readonly changeListeners = new Set<() => void>();
  private pumpScheduled = false;
  private runningEpisodes = 0;
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {}

  get closed(): boolean {
    return this.stopped;
  }

  /** Stores a message (inside the caller's transaction) and wakes its instance when it is visible. */
  send(instanceId: string, executionId: string | null, body: InboxBody, visibleAt?: number): void {
    const stored = this.opts.store.insertMessage({
      instanceId,
      executionId,
      visibleAt: visibleAt ?? this.opts.clock.now(),
      body,
    });
    this.addToInbox(stored);
  }

  /** Queues a stored message: the instance becomes ready now, or when the message becomes visible. */
  addToInbox(m: StoredMessage): void {
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

  /** The instance's queued messages, visible or not. */
  messagesOf(instanceId: string): readonly StoredMessage[] {
    return this.inbox.get(instanceId) ?? [];
  }

  /** Takes delivered (or dropped) messages out of the inbox and cancels their wake-ups. */
  removeFromInbox(instanceId: string, ids: Set<number>): void {
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

  /** Forgets an instance's inbox (its stored messages were purged with it). */
  clearInbox(instanceId: string): void {
    this.inbox.delete(instanceId);
  }

  /** Forgets everything kept about a purged instance. */
  forget(instanceId: string): void {
    this.lastEpisodeMs.delete(instanceId);
    this.inbox.delete(instanceId);
  }

  /** An episode of the instance is running. */
  isBusy(instanceId: string): boolean {
    return this.busy.has(instanceId);
  }

  markReady(instanceId: string): void {
    if (this.stopped) return;
    this.ready.add(instanceId);
    this.schedulePump();
  }

  /** No episode is queued, deferred or running, and no message is visible now. */
  isIdle(): boolean {
    if (this.runningEpisodes) return false;
    if (this.ready.size || this.busy.size || this.deferred.size || this.pumpScheduled) return false;
    const now = this.opts.clock.now();
    for (const [id, list] of this.inbox) {
      if (this.opts.statusOf(id) === 'Suspended') {
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

  notifyChange(): void {
    for (const l of this.changeListeners) l();
  }

  /** Starts no more episodes (running ones finish; see {@link cancelWakeUps} and {@link episodesDone}). */
  stop(): void {
    this.stopped = true;
  }

  /** Drops pending batching waits and timer wake-ups. */
  cancelWakeUps(): void {
    for (const t of this.deferred.values()) clearTimeout(t);
    this.deferred.clear();
    for (const cancel of this.timerCancels.values()) cancel();
    this.timerCancels.clear();
  }

  /** Resolves when no episode is running, or after `timeoutMs`. */
  async episodesDone(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.runningEpisodes > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stopped) return;
    for (const id of [...this.ready]) {
      if (this.runningEpisodes >= this.opts.maxConcurrentOrchestrations) break;
      if (this.busy.has(id) || this.deferred.has(id)) continue;
      if (
        this.opts.activitiesInFlight(id) > 0 &&
        this.opts.batchWindowMs > 0 &&
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
      this.opts
        .runInstance(id)
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
    return Math.min(1000, Math.max(this.opts.batchWindowMs, 2 * (this.lastEpisodeMs.get(id) ?? 0)));
  }

  private hasControlOrStart(id: string): boolean {
    return (this.inbox.get(id) ?? []).some(
      (m) =>
        m.body.kind === 'control' || (m.body.kind === 'event' && m.body.message.kind === 'executionStarted'),
    );
  }
}
