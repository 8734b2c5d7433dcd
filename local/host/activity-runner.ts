/**
 * Runs activity work in-process with host.json's concurrency limit and functionTimeout. Completions that finish
 * together are handed to the engine as one batch (one transaction, and one episode per instance), and a per-instance
 * count of work still queued or running lets the engine wait briefly for more completions.
 */
import type { RpcTypedData } from './core-shim';
import { invoke, timeoutMessage, typedDataToJsonText, withTimeout, type HostLog } from './invocation';
import type { FunctionRegistry, RegisteredFunction } from './registry';
import type { ActivityWork } from './store';
import { activityTriggerData, type OrchestrationMessage } from './wire';

export interface CompletedActivity {
  work: ActivityWork;
  message: OrchestrationMessage;
}

export interface ActivityRunnerOptions {
  registry: FunctionRegistry;
  log: HostLog;
  maxConcurrent: number;
  /** An activity running longer fails (it keeps running, but its slot is freed). */
  functionTimeoutMs?: number;
  extraInputsFor(fn: RegisteredFunction): Record<string, RpcTypedData>;
  /** False when the work's instance or execution is gone or finished: the work is skipped. */
  isCurrent(work: ActivityWork): boolean;
  /** Stores a batch of completions (and drops their work rows) in one transaction. */
  commit(batch: CompletedActivity[]): void;
  onChange(): void;
}

export class ActivityRunner {
  private queue: ActivityWork[] = [];
  private head = 0;
  private running = 0;
  private pending: CompletedActivity[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly perInstance = new Map<string, number>();

  constructor(private readonly opts: ActivityRunnerOptions) {}

  enqueue(work: ActivityWork): void {
    this.queue.push(work);
    this.perInstance.set(work.instanceId, (this.perInstance.get(work.instanceId) ?? 0) + 1);
  }

  /** Work of this instance still queued, running or not yet committed. */
  inFlight(instanceId: string): number {
    return this.perInstance.get(instanceId) ?? 0;
  }

  get idle(): boolean {
    return (
      this.running === 0 && this.head === this.queue.length && !this.pending.length && !this.flushScheduled
    );
  }

  close(): void {
    this.closed = true;
  }

  pump(): void {
    while (!this.closed && this.running < this.opts.maxConcurrent && this.head < this.queue.length) {
      const work = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (!this.opts.isCurrent(work)) {
        this.done(work);
        continue;
      }
      this.running++;
      void this.run(work).finally(() => {
        this.running--;
        this.pump();
        this.opts.onChange();
      });
    }
  }

  private done(work: ActivityWork): void {
    const n = (this.perInstance.get(work.instanceId) ?? 1) - 1;
    if (n > 0) this.perInstance.set(work.instanceId, n);
    else this.perInstance.delete(work.instanceId);
  }

  private async run(w: ActivityWork): Promise<void> {
    const fn = this.opts.registry.find(w.name, 'activity');
    let message: OrchestrationMessage;
    if (!fn) {
      const reason = `The function '${w.name}' doesn't exist, is disabled, or is not an activity function.`;
      message = { kind: 'taskFailed', taskId: w.taskId, reason, details: reason };
    } else {
      try {
        const result = await withTimeout(
          invoke(fn, activityTriggerData(w.input), this.opts.extraInputsFor(fn), this.opts.log),
          this.opts.functionTimeoutMs,
          timeoutMessage(this.opts.functionTimeoutMs, w.name),
        );
        message = {
          kind: 'taskCompleted',
          taskId: w.taskId,
          result: typedDataToJsonText(result.returnValue),
        };
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        this.opts.log(`activity ${w.name} (${w.instanceId}#${w.taskId}) failed: ${e.message.split('\n')[0]}`);
        message = {
          kind: 'taskFailed',
          taskId: w.taskId,
          reason: `Activity function '${w.name}' failed: ${e.message}`,
          details: e.stack ?? e.message,
        };
      }
    }
    this.pending.push({ work: w, message });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.closed) return;
      const batch = this.pending;
      this.pending = [];
      this.opts.commit(batch);
      for (const { work } of batch) this.done(work);
      this.opts.onChange();
    });
  }
}
