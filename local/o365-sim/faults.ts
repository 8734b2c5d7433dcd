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
  notFoundBlobRate: 0,
  notFoundContentIds: [],
  foreignHostBlobRate: 0,
  foreignHostContentIds: [],
  foreignHost: 'evil.example.net',
  oversizeBlobRate: 0,
  oversizeContentIds: [],
  oversizeBlobBytes: 64 * 1024 * 1024,
  oversizeContentLength: false,
  badContentCreatedRate: 0,
  badContentCreatedContentIds: [],
  recoveringBlobRate: 0,
  recoveringContentIds: [],
  recoverAfterMinutes: 180,
  protoAlertRate: 0,
  protoAlertContentIds: [],
};

/** The blob-level poison rates, in the order one seeded draw is compared against them. */
export const POISON_RATE_KEYS = [
  ['notFound', 'notFoundBlobRate', 'notFoundContentIds'],
  ['foreignHost', 'foreignHostBlobRate', 'foreignHostContentIds'],
  ['oversize', 'oversizeBlobRate', 'oversizeContentIds'],
  ['badContentCreated', 'badContentCreatedRate', 'badContentCreatedContentIds'],
  ['recovering', 'recoveringBlobRate', 'recoveringContentIds'],
] as const;

const RATE_KEYS = [
  'throttleRate',
  'throttleRetryAfterShare',
  'serverErrorRate',
  'timeoutRate',
  'duplicateRecordRate',
  'duplicateListingRate',
  'lateListingRate',
  'malformedBlobRate',
  'notFoundBlobRate',
  'foreignHostBlobRate',
  'oversizeBlobRate',
  'badContentCreatedRate',
  'recoveringBlobRate',
  'protoAlertRate',
] as const;

const ID_LIST_KEYS = [
  'notFoundContentIds',
  'foreignHostContentIds',
  'oversizeContentIds',
  'badContentCreatedContentIds',
  'recoveringContentIds',
  'protoAlertContentIds',
] as const;

/** The recovery time of a recovering blob created at `contentCreated` (ms). */
export function recoveryTime(f: FaultConfig, contentCreated: number): number {
  if (f.recoverAt !== undefined)
    return typeof f.recoverAt === 'number' ? f.recoverAt : Date.parse(f.recoverAt);
  return contentCreated + f.recoverAfterMinutes * 60_000;
}

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
    'recoverAfterMinutes',
  ] as const) {
    const v = merged[key];
    if (typeof v !== 'number' || !(v >= 0))
      throw new Error(`fault ${key} must be a number >= 0, got ${String(v)}`);
  }
  const poisonTotal = POISON_RATE_KEYS.reduce((sum, [, rate]) => sum + merged[rate], 0);
  if (poisonTotal > 1 + 1e-9) {
    throw new Error(
      `the poison blob rates (${POISON_RATE_KEYS.map(([, rate]) => rate).join(', ')}) must sum to at most 1, got ${poisonTotal}`,
    );
  }
  for (const key of ID_LIST_KEYS) {
    const v: unknown = merged[key];
    if (!Array.isArray(v) || !v.every((id) => typeof id === 'string'))
      throw new Error(`fault ${key} must be an array of contentIds (strings)`);
  }
  if (!(Number.isInteger(merged.oversizeBlobBytes) && merged.oversizeBlobBytes >= 1))
    throw new Error(
      `fault oversizeBlobBytes must be a positive integer, got ${String(merged.oversizeBlobBytes)}`,
    );
  if (typeof merged.foreignHost !== 'string' || !/^[a-z0-9.-]+(:\d+)?$/i.test(merged.foreignHost))
    throw new Error(
      `fault foreignHost must be a host name such as evil.example.net, got ${String(merged.foreignHost)}`,
    );
  if (merged.recoverAt !== undefined && !Number.isFinite(recoveryTime(merged, 0)))
    throw new Error(`fault recoverAt must be a time (ms or ISO), got ${String(merged.recoverAt)}`);
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

/**
 * Counts one tenant's API requests per real minute (fixed minute buckets) for each PublisherIdentifier, and refuses
 * those past the budget: the service's quota is per tenant and publisher.
 */
export class RequestBudget {
  private readonly publishers = new Map<
    string,
    {
      minutes: Map<number, { requests: number; rejected: number }>;
      peak: number;
      accepted: number;
      rejected: number;
    }
  >();

  /** Records one request at real time `nowMs`; false when the minute's budget is spent (limit 0 = unlimited). */
  admit(nowMs: number, limit: number, publisher = NO_PUBLISHER): boolean {
    let p = this.publishers.get(publisher);
    if (!p) {
      p = { minutes: new Map(), peak: 0, accepted: 0, rejected: 0 };
      this.publishers.set(publisher, p);
    }
    const minute = Math.floor(nowMs / 60_000) * 60_000;
    let bucket = p.minutes.get(minute);
    if (!bucket) {
      bucket = { requests: 0, rejected: 0 };
      p.minutes.set(minute, bucket);
      for (const key of p.minutes.keys()) if (key < minute - 60 * 60_000) p.minutes.delete(key);
    }
    if (limit > 0 && bucket.requests >= limit) {
      bucket.rejected++;
      p.rejected++;
      return false;
    }
    bucket.requests++;
    p.accepted++;
    p.peak = Math.max(p.peak, bucket.requests);
    return true;
  }

  snapshot(): {
    perMinute: BudgetMinute[];
    peakPerMinute: number;
    byPublisher: Record<string, { peakPerMinute: number; accepted: number; rejected: number }>;
  } {
    const minutes = new Map<number, { requests: number; rejected: number }>();
    const byPublisher: Record<string, { peakPerMinute: number; accepted: number; rejected: number }> = {};
    let peak = 0;
    for (const [publisher, p] of this.publishers) {
      byPublisher[publisher] = { peakPerMinute: p.peak, accepted: p.accepted, rejected: p.rejected };
      peak = Math.max(peak, p.peak);
      for (const [minute, b] of p.minutes) {
        const sum = minutes.get(minute) ?? { requests: 0, rejected: 0 };
        sum.requests += b.requests;
        sum.rejected += b.rejected;
        minutes.set(minute, sum);
      }
    }
    const perMinute = [...minutes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([minute, b]) => ({
        minute: new Date(minute).toISOString(),
        requests: b.requests,
        rejected: b.rejected,
      }));
    return { perMinute, peakPerMinute: peak, byPublisher };
  }
}

/** The budget key of requests that carry no PublisherIdentifier. */
export const NO_PUBLISHER = '(none)';
