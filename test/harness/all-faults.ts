/**
 * Every fault the simulator offers, switched on together, for a stretch of simulated time under the virtual clock
 * with time skipping: throttling (429 with and without Retry-After, 403 AF429 on blobs), server errors, timeouts
 * (connections that hang and drop), a request budget smaller than the client's, duplicate records, duplicate and
 * late listings, malformed blobs. Shared by the quick test and the soak.
 */
import assert from 'node:assert/strict';
import type { FaultConfig, GroundTruth } from '../../local/o365-sim';
import {
  currentHour,
  HOUR,
  runUntil,
  startResilienceStack,
  type ResilienceStack,
  type PipelineStatus,
} from './resilience-stack';

export interface AllFaultsOutcome {
  stack: ResilienceStack;
  status: PipelineStatus;
  origin: number;
  end: number;
  /**
   * When the loop last listed (the run of the window ending at the checkpoint; the virtual clock stands still during
   * a run): late-listed blobs listable only after it were not seen yet (ground truth's `listedBy`).
   */
  listedAt: number;
  ids: string[];
}

/**
 * The records the processed range holds, as the loop could see them at its last listing, without the blobs named in
 * `excludeContentIds`.
 */
export function groundTruthOf(out: AllFaultsOutcome, excludeContentIds?: string[]): GroundTruth {
  return out.stack.sim!.groundTruth(out.origin, out.end, {
    listedBy: out.listedAt,
    ...(excludeContentIds ? { excludeContentIds } : {}),
  });
}

/** The loop kept pace: its checkpoint is within two windows of the clock, and the instance still runs. */
export function assertKeptUp(out: AllFaultsOutcome): void {
  assert.ok(out.end >= out.stack.clock.now() - 2 * HOUR, `checkpoint ${new Date(out.end).toISOString()}`);
  assert.equal(out.status.runtimeStatus, 'Running');
}

function lastListingAt(status: PipelineStatus, end: number): number {
  const last = status.recentWindows.find((w) => Date.parse(w.windowEnd) === end && w.status === 'done');
  if (!last?.lastRun) throw new Error(`no done window ends at the checkpoint ${new Date(end).toISOString()}`);
  return Date.parse(last.lastRun.at);
}

export function allFaults(scale = 1, budgetPerMinute = 400, retryAfterShare = 0.5): Partial<FaultConfig> {
  return {
    latencyMs: { min: 1, max: 8 },
    throttleRate: 0.05 * scale,
    throttleRetryAfterShare: retryAfterShare,
    retryAfterSeconds: 1,
    blobThrottleAs403: true,
    serverErrorRate: 0.04 * scale,
    timeoutRate: 0.03 * scale,
    // Real milliseconds before the connection drops without an answer.
    timeoutMs: 300,
    duplicateRecordRate: 0.1,
    duplicateListingRate: 0.15,
    relistAfterMinutes: 90,
    lateListingRate: 0.15,
    lateListingMinutes: 30,
    malformedBlobRate: 0.05,
    // Below what the client is told (O365_REQUESTS_PER_MINUTE 2000): the service's own limit throttles it.
    requestBudgetPerMinute: budgetPerMinute,
  };
}

/** Runs the loop from `hours` before t0 until `hours` after it, all faults on; the caller disposes the stack. */
export async function runAllFaults(options: {
  seed: number;
  hours: number;
  scale?: number;
  /** The simulator's budget (the client is told 2000/min, so this one throttles it). */
  budgetPerMinute?: number;
  /** Share of throttled answers with Retry-After (without it the client backs off for real seconds). */
  retryAfterShare?: number;
  recordsPerHour: number;
  timeoutMs: number;
  /** More faults over the whole set (e.g. poison blobs), and app settings. */
  extraFaults?: Partial<FaultConfig>;
  settings?: Record<string, string>;
}): Promise<AllFaultsOutcome> {
  const t0 = currentHour();
  const origin = t0 - 2 * HOUR;
  const until = t0 + options.hours * HOUR;
  const stack = await startResilienceStack({
    t0,
    untilMs: until,
    startFrom: origin,
    sim: {
      seed: options.seed,
      // Content starts with the pipeline: a blob re-listed later would otherwise bring older records into range.
      tenant: { recordsPerHour: options.recordsPerHour, recordsPerBlob: 20, contentStartMs: origin },
      faults: {
        ...allFaults(options.scale, options.budgetPerMinute, options.retryAfterShare),
        ...options.extraFaults,
      },
    },
    ...(options.settings ? { settings: options.settings } : {}),
  });
  try {
    await runUntil(stack, until, options.timeoutMs);
    const status = await stack.status();
    const end = Date.parse(status.checkpoint!.nextStart);
    return { stack, status, origin, end, listedAt: lastListingAt(status, end), ids: await stack.ids() };
  } catch (error) {
    await stack.dispose();
    throw error;
  }
}
