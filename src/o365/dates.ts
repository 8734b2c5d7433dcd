/**
 * The API's time rules: windows of at most 24 hours whose start lies within the 7-day retention, times sent as
 * `YYYY-MM-DDTHH:MM:SS` UTC, compared against the server's clock (learned from the `Date` header), not ours.
 */
import { DateTime, Duration } from 'luxon';
import { MAX_LISTING, RETENTION } from '../pipeline/windows';
import { InvalidWindowError } from './errors';
import type { ContentWindow } from './types';

/** The API's limits (24-hour listing windows, 7-day retention), stated once in src/pipeline/windows. */
export { MAX_WINDOW_MS, RETENTION, RETENTION_MS } from '../pipeline/windows';
export const MAX_WINDOW = MAX_LISTING;
/** Default safety margin inside the retention edge, so a window is not rejected while its request is in flight. */
export const DEFAULT_RETENTION_MARGIN_MINUTES = 30;

/** A window as whole-second epoch milliseconds. */
export interface WindowMs {
  startMs: number;
  endMs: number;
}

/** `YYYY-MM-DD`, optionally `THH:MM[:SS[.fff…]]` and a zone; nothing else (no week or ordinal dates). */
const ISO_SHAPE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Epoch milliseconds of an ISO 8601 time, or undefined when it is not one or names an impossible moment
 * (`2024-13-45T99:99:99`, 30 February). A time without a zone is UTC, as the API's own times are.
 */
export function parseStrictUtc(value: string): number | undefined {
  const s = value.trim();
  if (!ISO_SHAPE.test(s)) return undefined;
  const dt = DateTime.fromISO(s, { zone: 'utc', setZone: true });
  return dt.isValid ? dt.toMillis() : undefined;
}

/** Parses a Date or an ISO string; a string without a zone is UTC, as the API's own times are. */
export function parseUtc(value: Date | string, what: string): number {
  let ms: number | undefined;
  if (value instanceof Date) ms = Number.isFinite(value.getTime()) ? value.getTime() : undefined;
  else if (typeof value === 'string') ms = parseStrictUtc(value);
  if (ms === undefined) {
    throw new InvalidWindowError(
      `${what} is not a valid time: expected an ISO 8601 UTC time, got ${JSON.stringify(value)}.`,
    );
  }
  return ms;
}

/**
 * Whole seconds, rounded down. Both ends round the same way, so adjacent windows [a,b) and [b,c) stay adjacent and
 * no content falls between them.
 */
function floorSecond(ms: number): number {
  return DateTime.fromMillis(ms, { zone: 'utc' }).startOf('second').toMillis();
}

/** The next whole second at or after `ms`. */
export function ceilSecond(ms: number): number {
  const floor = floorSecond(ms);
  return floor === ms ? ms : DateTime.fromMillis(floor, { zone: 'utc' }).plus({ seconds: 1 }).toMillis();
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC, the most precise form every version of the API accepts. */
export function formatApiTime(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toFormat("yyyy-MM-dd'T'HH:mm:ss");
}

/** Earliest window start the client sends: the retention edge plus the margin, in server time. */
export function earliestStart(serverNowMs: number, marginMinutes: number): number {
  return DateTime.fromMillis(serverNowMs, { zone: 'utc' })
    .minus(RETENTION)
    .plus({ minutes: marginMinutes })
    .toMillis();
}

/**
 * Checks a window against the API's rules before sending it, with the server's time as `serverNowMs`.
 * Throws {@link InvalidWindowError} naming the rule it breaks.
 */
export function validateWindow(window: ContentWindow, serverNowMs: number, marginMinutes: number): WindowMs {
  if (window === null || typeof window !== 'object') {
    throw new InvalidWindowError('window must be an object { start, end }.');
  }
  const startMs = floorSecond(parseUtc(window.start, 'window start'));
  const endMs = floorSecond(parseUtc(window.end, 'window end'));
  if (endMs <= startMs) {
    throw new InvalidWindowError(
      `window end ${formatApiTime(endMs)} must be after its start ${formatApiTime(startMs)} (end is exclusive).`,
    );
  }
  if (endMs - startMs > MAX_WINDOW.as('milliseconds')) {
    throw new InvalidWindowError(
      `window ${formatApiTime(startMs)}..${formatApiTime(endMs)} is longer than 24 hours; split it.`,
    );
  }
  const edge = earliestStart(serverNowMs, marginMinutes);
  if (startMs < edge) {
    throw new InvalidWindowError(
      `window start ${formatApiTime(startMs)} is outside the 7-day retention (with a ${marginMinutes}-minute margin, ` +
        `the earliest start now is ${formatApiTime(ceilSecond(edge))}); content older than 7 days cannot be listed.`,
    );
  }
  return { startMs, endMs };
}

/**
 * Moves a window's start forward to the retention edge (plus margin) of the server's clock, for the retry after
 * AF20030/AF20055. Returns undefined when nothing of the window is left inside retention.
 */
export function clampWindow(
  window: WindowMs,
  serverNowMs: number,
  marginMinutes: number,
): WindowMs | undefined {
  const edge = ceilSecond(earliestStart(serverNowMs, marginMinutes));
  const startMs = Math.max(window.startMs, edge);
  const endMs = Math.min(
    window.endMs,
    DateTime.fromMillis(startMs, { zone: 'utc' }).plus(MAX_WINDOW).toMillis(),
  );
  return endMs > startMs ? { startMs, endMs } : undefined;
}

/** The server's clock from an HTTP `Date` header (IMF-fixdate), or undefined when absent or unreadable. */
export function parseDateHeader(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const dt = DateTime.fromHTTP(value.trim(), { zone: 'utc' });
  return dt.isValid ? dt.toMillis() : undefined;
}

/** `Retry-After` as milliseconds to wait: delta-seconds or an HTTP date (relative to `nowMs`); undefined if absent. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v))
    return Math.round(Duration.fromObject({ seconds: Number(v) }).as('milliseconds'));
  const at = DateTime.fromHTTP(v, { zone: 'utc' });
  return at.isValid ? Math.max(0, at.toMillis() - nowMs) : undefined;
}
