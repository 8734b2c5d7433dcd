/**
 * Window arithmetic for the pipeline loop and the rewind orchestration, and the one source of the Management Activity
 * API's time limits. Pure functions of their inputs (the caller passes `ctx.df.currentUtcDateTime`), so they replay
 * identically and are unit-tested without a host. Times cross this module's boundary as epoch milliseconds because
 * they travel through orchestration history as JSON; the limits are luxon Durations.
 */
import { DateTime, Duration } from 'luxon';

/** The Management Activity API keeps content for 7 days; listing outside that is rejected (AF20055/AF20030). */
export const RETENTION = Duration.fromObject({ days: 7 });
/** One listing call covers at most 24 hours. */
export const MAX_LISTING = Duration.fromObject({ hours: 24 });
/**
 * Margin inside the retention edge for the loop's own clamp. Larger than the client's (30 min) so a window computed
 * now is still listable after a retry backoff or a busy hour of fan-out.
 */
export const RETENTION_MARGIN = Duration.fromObject({ minutes: 60 });

export const MINUTE_MS = Duration.fromObject({ minutes: 1 }).toMillis();
export const HOUR_MS = Duration.fromObject({ hours: 1 }).toMillis();
export const DAY_MS = Duration.fromObject({ days: 1 }).toMillis();
export const RETENTION_MS = RETENTION.toMillis();
export const MAX_WINDOW_MS = MAX_LISTING.toMillis();
export const RETENTION_MARGIN_MS = RETENTION_MARGIN.toMillis();

/** ISO 8601 UTC with milliseconds, as every stored time and instance id spells it. */
export function isoOf(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO() ?? new Date(ms).toISOString();
}

export interface WindowSettings {
  windowMinutes: number;
  settleMinutes: number;
  relistOverlapMinutes: number;
}

/** A half-open time range [startMs, endMs). */
export interface RangeMs {
  startMs: number;
  endMs: number;
}

export type NextWindow =
  | {
      kind: 'window';
      window: RangeMs;
      /** Where listing starts: the window start minus the re-list overlap, kept inside retention (see listingSlices). */
      listFromMs: number;
      /** Set when the checkpoint was older than retention: content in this range can no longer be fetched. */
      dataLoss?: RangeMs;
    }
  | { kind: 'caughtUp'; wakeAtMs: number; nextStartMs: number };

function floorSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function ceilSecond(ms: number): number {
  return Math.ceil(ms / 1000) * 1000;
}

/** Earliest start the loop will use at `nowMs`. */
export function retentionFloor(nowMs: number): number {
  return ceilSecond(nowMs - RETENTION_MS + RETENTION_MARGIN_MS);
}

function windowMs(settings: WindowSettings): number {
  if (!(settings.windowMinutes >= 1) || settings.windowMinutes * MINUTE_MS > MAX_WINDOW_MS) {
    throw new RangeError(`window length must be 1..1440 minutes, got ${settings.windowMinutes}`);
  }
  return settings.windowMinutes * MINUTE_MS;
}

/**
 * The first window start when no checkpoint exists: the configured start, else one window before the settled now
 * (so a fresh deployment starts with recent content instead of a 7-day backlog nobody asked for).
 */
export function initialStart(nowMs: number, settings: WindowSettings, startFromMs?: number): number {
  if (startFromMs !== undefined) return floorSecond(startFromMs);
  return floorSecond(nowMs - settings.settleMinutes * MINUTE_MS - windowMs(settings));
}

/**
 * The next window after `startMs` at `nowMs`. Only whole windows are processed (so window ids are stable); when the
 * next whole window would end after now − settle delay, the loop is caught up and sleeps until it would not.
 * A start older than retention is clamped forward and the skipped range reported as data loss.
 */
export function nextWindow(startMs: number, nowMs: number, settings: WindowSettings): NextWindow {
  const length = windowMs(settings);
  const settledNow = nowMs - settings.settleMinutes * MINUTE_MS;
  let start = floorSecond(startMs);
  let dataLoss: RangeMs | undefined;
  const floor = retentionFloor(nowMs);
  if (start < floor) {
    dataLoss = { startMs: start, endMs: floor };
    start = floor;
  }
  const end = start + length;
  if (end > settledNow) {
    return { kind: 'caughtUp', wakeAtMs: end + settings.settleMinutes * MINUTE_MS, nextStartMs: start };
  }
  const overlap = Math.max(0, settings.relistOverlapMinutes) * MINUTE_MS;
  const listFromMs = Math.max(start - overlap, floor);
  return {
    kind: 'window',
    window: { startMs: start, endMs: end },
    listFromMs,
    ...(dataLoss ? { dataLoss } : {}),
  };
}

/** Splits a rewind range into windows of the configured length (the last one may be shorter). */
export function splitRange(range: RangeMs, windowMinutes: number): RangeMs[] {
  const length = Math.min(windowMinutes * MINUTE_MS, MAX_WINDOW_MS);
  if (!(length > 0)) throw new RangeError(`window length must be positive, got ${windowMinutes} minutes`);
  const windows: RangeMs[] = [];
  for (let s = range.startMs; s < range.endMs; s += length) {
    windows.push({ startMs: s, endMs: Math.min(s + length, range.endMs) });
  }
  return windows;
}

/** Why a rewind range is unacceptable at `nowMs`, or undefined when it is fine. Shared by the HTTP route and the orchestrator. */
export function rewindRangeProblem(range: RangeMs, nowMs: number): string | undefined {
  if (!(range.endMs > range.startMs)) return '"from" must be before "to".';
  if (range.endMs > nowMs) return `"to" (${isoOf(range.endMs)}) is in the future; use a time before now.`;
  const floor = retentionFloor(nowMs);
  if (range.startMs < floor) {
    return `"from" (${isoOf(range.startMs)}) is older than the 7-day retention of the Management Activity API (with a 60-minute margin); the earliest possible "from" now is ${isoOf(floor)}.`;
  }
  return undefined;
}

/** Ids of window sub-orchestrations: deterministic so a replayed or restarted loop finds the same child. */
export function windowInstanceId(
  runId: string,
  contentType: string,
  windowStartMs: number,
  attempt = 1,
): string {
  const base = `${runId}-${contentType}-${isoOf(windowStartMs)}`;
  return attempt > 1 ? `${base}-retry${attempt}` : base;
}

/** The failed-window backoff: 1, 2, 4 … minutes, capped at an hour. */
export function retryDelayMs(attempt: number): number {
  return Math.min(HOUR_MS, MINUTE_MS * 2 ** Math.max(0, attempt - 1));
}

/**
 * A listing range cut into calls the API accepts (each ≤ 24 hours), oldest first. With a long window and a re-list
 * overlap the range exceeds 24 hours; listing it in slices keeps the overlap whatever the window length.
 */
export function listingSlices(range: RangeMs): RangeMs[] {
  const slices: RangeMs[] = [];
  for (let s = range.startMs; s < range.endMs; s += MAX_WINDOW_MS) {
    slices.push({ startMs: s, endMs: Math.min(s + MAX_WINDOW_MS, range.endMs) });
  }
  return slices;
}
