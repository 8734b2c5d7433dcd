/**
 * Time skipping, as Temporal's test environment does it: whenever the host has no work in flight, move a virtual
 * clock straight to its next timer (never past `until`), so hours of durable timers and timer triggers run in
 * milliseconds. With a system clock, or without skipping, it does nothing.
 */
import type { Clock } from '../clock';

interface SkippableClock extends Clock {
  nextTimerAt(): number | undefined;
  advanceTo(atMs: number): void;
}

function isSkippable(clock: Clock): clock is SkippableClock {
  const c = clock as Partial<SkippableClock>;
  return clock.isVirtual && typeof c.nextTimerAt === 'function' && typeof c.advanceTo === 'function';
}

export class TimeSkipper {
  private readonly clock: SkippableClock | undefined;
  private readonly until: number | undefined;
  private scheduled = false;
  private stopped = false;

  constructor(
    clock: Clock,
    setting: boolean | { until?: number } | undefined,
    private readonly isIdle: () => boolean,
  ) {
    this.clock = setting && isSkippable(clock) ? clock : undefined;
    this.until = typeof setting === 'object' ? setting.until : undefined;
  }

  /** The time a skip would move to now, if any. */
  target(): number | undefined {
    if (!this.clock) return undefined;
    const next = this.clock.nextTimerAt();
    if (next === undefined || (this.until !== undefined && next > this.until)) return undefined;
    return next;
  }

  /** True while a check is queued: state may be about to change. */
  get pending(): boolean {
    return this.scheduled;
  }

  /** Something changed: check (soon) whether the host is idle and time can move. */
  poke(): void {
    if (!this.clock || this.scheduled || this.stopped) return;
    this.scheduled = true;
    // A short timer rather than setImmediate: work that is about to start (setImmediate chains) shows up first.
    setTimeout(() => {
      this.scheduled = false;
      if (this.stopped || !this.isIdle()) return;
      const target = this.target();
      if (target === undefined) return;
      this.clock!.advanceTo(target);
      this.poke();
    }, 1);
  }

  stop(): void {
    this.stopped = true;
  }
}
