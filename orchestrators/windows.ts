/**
 * Window arithmetic for the pipeline loop and the rewind orchestration. Pure functions of their inputs (the caller
 * passes `ctx.df.currentUtcDateTime`), so they replay identically and are unit-tested without a host.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
/** The Management Activity API keeps content for 7 days; listing outside that is rejected (AF20055/AF20030). */
export const RETENTION_MS = 7 * 24 * HOUR_MS;
export const MAX_WINDOW_MS = 24 * HOUR_MS;
/**
 * Margin inside the retention edge for the loop's own clamp. Larger than the client's (30 min) so a window computed
 * now is still listable after a retry backoff or a busy hour of fan-out.
 */
export const RETENTION_MARGIN_MS = 60 * MINUTE_MS;

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
      /** Where listing starts: the window start minus the re-list overlap, kept inside retention and ≤ 24 h. */
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
  const listFromMs = Math.max(start - overlap, floor, end - MAX_WINDOW_MS);
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
  if (range.endMs > nowMs)
    return `"to" (${new Date(range.endMs).toISOString()}) is in the future; use a time before now.`;
  const floor = retentionFloor(nowMs);
  if (range.startMs < floor) {
    return `"from" (${new Date(range.startMs).toISOString()}) is older than the 7-day retention of the Management Activity API (with a 60-minute margin); the earliest possible "from" now is ${new Date(floor).toISOString()}.`;
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
  const base = `${runId}-${contentType}-${new Date(windowStartMs).toISOString()}`;
  return attempt > 1 ? `${base}-retry${attempt}` : base;
}

/** The failed-window backoff: 1, 2, 4 … minutes, capped at an hour. */
export function retryDelayMs(attempt: number): number {
  return Math.min(HOUR_MS, MINUTE_MS * 2 ** Math.max(0, attempt - 1));
}
