/**
 * Request-level fault decisions and the per-minute request budget. These follow real time on purpose: benchmarks
 * measure real requests per minute, while content time (availability, windows, expiry) follows the injected clock.
 */
import { Rng } from './random';
import type { BudgetMinute, FaultConfig } from './types';

export const DEFAULT_FAULTS: FaultConfig = {
  latencyMs: { min: 0, max: 0 },
  throttleRate: 0,
  throttleRetryAfterShare: 0.5,
  retryAfterSeconds: 1,
  blobThrottleAs403: true,
  serverErrorRate: 0,
  timeoutRate: 0,
  timeoutMs: 30_000,
  duplicateRecordRate: 0,
  duplicateListingRate: 0,
  relistAfterMinutes: 90,
  lateListingRate: 0,
  lateListingMinutes: 120,
  malformedBlobRate: 0,
  requestBudgetPerMinute: 0,
};

const RATE_KEYS = [
  'throttleRate',
  'throttleRetryAfterShare',
  'serverErrorRate',
  'timeoutRate',
  'duplicateRecordRate',
  'duplicateListingRate',
  'lateListingRate',
  'malformedBlobRate',
] as const;

/** Merges a partial config over `base`, refusing values that would make the simulator lie silently. */
export function mergeFaults(base: FaultConfig, patch: Partial<FaultConfig>): FaultConfig {
  const merged: FaultConfig = {
    ...base,
    ...patch,
    latencyMs: { ...base.latencyMs, ...(patch.latencyMs ?? {}) },
  };
  for (const key of RATE_KEYS) {
    const v = merged[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new Error(`fault ${key} must be a number in [0, 1], got ${String(v)}`);
  }
  const { min, max } = merged.latencyMs;
  if (!(min >= 0 && max >= min)) throw new Error(`fault latencyMs needs 0 <= min <= max, got ${min}..${max}`);
  for (const key of [
    'retryAfterSeconds',
    'timeoutMs',
    'relistAfterMinutes',
    'lateListingMinutes',
    'requestBudgetPerMinute',
  ] as const) {
    const v = merged[key];
    if (typeof v !== 'number' || !(v >= 0))
      throw new Error(`fault ${key} must be a number >= 0, got ${String(v)}`);
  }
  return merged;
}

export type RequestFault =
  | { kind: 'none' }
  | { kind: 'timeout' }
  | { kind: 'throttle'; retryAfter?: number }
  | { kind: 'serverError'; status: number; code?: string };

const SERVER_ERRORS: { status: number; code?: string }[] = [
  { status: 500, code: 'AF50000' },
  { status: 500, code: 'AF50005' },
  { status: 500, code: 'AF50006' },
  { status: 503 },
];

/** Draws the fault for each API request from one seeded stream (reproducible for the same request order). */
export class FaultDice {
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed ^ 0x5eed_fa17);
  }

  latency(f: FaultConfig): number {
    const { min, max } = f.latencyMs;
    return max <= 0 ? 0 : min + this.rng.next() * (max - min);
  }

  roll(f: FaultConfig): RequestFault {
    if (f.timeoutRate > 0 && this.rng.chance(f.timeoutRate)) return { kind: 'timeout' };
    if (f.throttleRate > 0 && this.rng.chance(f.throttleRate)) {
      return this.rng.chance(f.throttleRetryAfterShare)
        ? { kind: 'throttle', retryAfter: f.retryAfterSeconds }
        : { kind: 'throttle' };
    }
    if (f.serverErrorRate > 0 && this.rng.chance(f.serverErrorRate))
      return { kind: 'serverError', ...this.rng.pick(SERVER_ERRORS) };
    return { kind: 'none' };
  }
}

/** Counts API requests per real minute (fixed minute buckets) and refuses those past the budget. */
export class RequestBudget {
  private readonly minutes = new Map<number, { requests: number; rejected: number }>();
  private peak = 0;

  /** Records one request at real time `nowMs`; false when the minute's budget is spent (limit 0 = unlimited). */
  admit(nowMs: number, limit: number): boolean {
    const minute = Math.floor(nowMs / 60_000) * 60_000;
    let bucket = this.minutes.get(minute);
    if (!bucket) {
      bucket = { requests: 0, rejected: 0 };
      this.minutes.set(minute, bucket);
      for (const key of this.minutes.keys()) if (key < minute - 60 * 60_000) this.minutes.delete(key);
    }
    if (limit > 0 && bucket.requests >= limit) {
      bucket.rejected++;
      return false;
    }
    bucket.requests++;
    this.peak = Math.max(this.peak, bucket.requests);
    return true;
  }

  snapshot(): { perMinute: BudgetMinute[]; peakPerMinute: number } {
    const perMinute = [...this.minutes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([minute, b]) => ({
        minute: new Date(minute).toISOString(),
        requests: b.requests,
        rejected: b.rejected,
      }));
    return { perMinute, peakPerMinute: this.peak };
  }
}
