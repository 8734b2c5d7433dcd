/**
 * Clocks for the local stack. Production code takes time from the Functions host (orchestrators) or the system
 * (activities); the local host, the O365 simulator and the Kusto endpoint take it from one {@link Clock} so tests can
 * skip hours of durable timers in milliseconds, as Temporal's time-skipping test environment does.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once the clock reaches `atMs` (soon after, when it already has). Returns a cancel function. */
  schedule(atMs: number, fn: () => void): () => void;
  /** True when time moves only through {@link VirtualClock.advance} / {@link VirtualClock.advanceTo}. */
  readonly isVirtual: boolean;
}

/** Wall-clock time; timers are plain `setTimeout`s (split so delays beyond 2^31-1 ms still work). */
export class SystemClock implements Clock {
  readonly isVirtual = false;
  now(): number {
    return Date.now();
  }
  schedule(atMs: number, fn: () => void): () => void {
    let handle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const delay = atMs - Date.now();
      if (delay <= 0) {
        handle = setTimeout(fn, 0);
        return;
      }
      handle = setTimeout(arm, Math.min(delay, 2_000_000_000));
    };
    arm();
    return () => clearTimeout(handle);
  }
}

interface PendingTimer {
  atMs: number;
  seq: number;
  fn: () => void;
}

/** Time that stands still until a test (or the host's time skipping) moves it forward. Never moves backwards. */
export class VirtualClock implements Clock {
  readonly isVirtual = true;
  private current: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(start: number | Date | string) {
    this.current = typeof start === 'number' ? start : new Date(start).getTime();
    if (!Number.isFinite(this.current)) throw new Error(`VirtualClock: invalid start time ${String(start)}`);
  }

  now(): number {
    return this.current;
  }

  schedule(atMs: number, fn: () => void): () => void {
    if (atMs <= this.current) {
      const handle = setImmediate(fn);
      return () => clearImmediate(handle);
    }
    const timer: PendingTimer = { atMs, seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Earliest pending timer, for time skipping. */
  nextTimerAt(): number | undefined {
    let earliest: number | undefined;
    for (const t of this.timers) if (earliest === undefined || t.atMs < earliest) earliest = t.atMs;
    return earliest;
  }

  /** Moves time forward by `ms` and fires every timer that became due, in time order. */
  advance(ms: number): void {
    if (ms < 0) throw new Error('VirtualClock: time never moves backwards');
    this.advanceTo(this.current + ms);
  }

  /** Moves time forward to `atMs` (no-op when already past) and fires every timer that became due, in time order. */
  advanceTo(atMs: number): void {
    if (atMs <= this.current) return;
    this.current = atMs;
    const due = this.timers.filter((t) => t.atMs <= atMs).sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
    this.timers = this.timers.filter((t) => t.atMs > atMs);
    for (const t of due) t.fn();
  }
}
