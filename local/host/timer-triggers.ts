/**
 * Timer triggers on the host's clock (virtual clocks included, so time skipping fires them too). Like Azure, one
 * invocation per function at a time; the last schedule status is kept in the state dir so an occurrence missed while
 * the host was down fires once at start-up with `isPastDue: true`. `runOnStartup` is honoured.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock';
import type { RpcTypedData } from './core-shim';
import { invoke, timeoutMessage, withTimeout, type HostLog } from './invocation';
import { parseSchedule, type Schedule } from './ncrontab';
import type { FunctionRegistry, RegisteredFunction } from './registry';

interface ScheduleStatus {
  last: string;
  next: string;
  lastUpdated: string;
}

export class TimerTriggers {
  private readonly cancels: (() => void)[] = [];
  private inFlightCount = 0;
  private stopped = false;
  private readonly statusFile: string;
  private readonly status: Record<string, ScheduleStatus>;

  constructor(
    private readonly registry: FunctionRegistry,
    private readonly clock: Clock,
    stateDir: string,
    private readonly log: HostLog,
    private readonly extraInputsFor: (fn: RegisteredFunction) => Record<string, RpcTypedData>,
    private readonly onChange: () => void,
    private readonly functionTimeoutMs?: number,
  ) {
    this.statusFile = join(stateDir, 'timer-status.json');
    this.status = existsSync(this.statusFile)
      ? (JSON.parse(readFileSync(this.statusFile, 'utf8')) as Record<string, ScheduleStatus>)
      : {};
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  start(): void {
    const now = this.clock.now();
    for (const fn of this.registry.ofKind('timer')) {
      const schedule = parseSchedule(String(fn.trigger.schedule ?? ''), now);
      const saved = this.status[fn.name];
      const missed = saved !== undefined && Date.parse(saved.next) <= now;
      if (missed || fn.trigger.runOnStartup === true) this.fire(fn, schedule, now, missed);
      else this.arm(fn, schedule, schedule.next(now));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.cancels.splice(0)) cancel();
  }

  private arm(fn: RegisteredFunction, schedule: Schedule, at: number): void {
    if (this.stopped) return;
    this.recordStatus(fn, at);
    this.cancels.push(this.clock.schedule(at, () => this.fire(fn, schedule, at, false)));
  }

  private recordStatus(fn: RegisteredFunction, next: number): void {
    const previous = this.status[fn.name];
    this.status[fn.name] = {
      last: previous?.next ?? new Date(this.clock.now()).toISOString(),
      next: new Date(next).toISOString(),
      lastUpdated: new Date(this.clock.now()).toISOString(),
    };
    writeFileSync(this.statusFile, JSON.stringify(this.status, null, 2));
  }

  private fire(fn: RegisteredFunction, schedule: Schedule, scheduledAt: number, isPastDue: boolean): void {
    if (this.stopped) return;
    this.inFlightCount++;
    this.onChange();
    const saved = this.status[fn.name];
    const trigger: RpcTypedData = {
      json: JSON.stringify({
        Schedule: { AdjustForDST: true },
        ScheduleStatus: saved ? { Last: saved.last, Next: saved.next, LastUpdated: saved.lastUpdated } : null,
        IsPastDue: isPastDue,
      }),
    };
    withTimeout(
      invoke(fn, trigger, this.extraInputsFor(fn), this.log),
      this.functionTimeoutMs,
      timeoutMessage(this.functionTimeoutMs, fn.name),
    )
      .catch((err: unknown) =>
        this.log(
          `[${fn.name}] timer function failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        ),
      )
      .finally(() => {
        this.inFlightCount--;
        this.arm(fn, schedule, schedule.next(Math.max(this.clock.now(), scheduledAt)));
        this.onChange();
      });
  }
}
