/**
 * The API's time rules: windows of at most 24 hours whose start lies within the 7-day retention, times sent as
 * `YYYY-MM-DDTHH:MM:SS` UTC, compared against the server's clock (learned from the `Date` header), not ours.
 */
import { InvalidWindowError } from './errors';
import type { ContentWindow } from './types';

export const MAX_WINDOW_MS = 24 * 60 * 60 * 1000;
export const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Default safety margin inside the retention edge, so a window is not rejected while its request is in flight. */
export const DEFAULT_RETENTION_MARGIN_MINUTES = 30;

/** A window as whole-second epoch milliseconds. */
export interface WindowMs {
  startMs: number;
  endMs: number;
}

const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Parses a Date or an ISO string; a string without a zone is UTC, as the API's own times are. */
export function parseUtc(value: Date | string, what: string): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string') {
    const s = value.trim();
    const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?/.test(s) ? s : '';
    ms = iso === '' ? NaN : Date.parse(ZONED.test(iso) || !iso.includes('T') ? iso : `${iso}Z`);
  } else ms = NaN;
  if (!Number.isFinite(ms)) {
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
  return Math.floor(ms / 1000) * 1000;
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC, the most precise form every version of the API accepts. */
export function formatApiTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** Earliest window start the client sends: the retention edge plus the margin, in server time. */
export function earliestStart(serverNowMs: number, marginMinutes: number): number {
  return serverNowMs - RETENTION_MS + marginMinutes * 60_000;
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
  if (endMs - startMs > MAX_WINDOW_MS) {
    throw new InvalidWindowError(
      `window ${formatApiTime(startMs)}..${formatApiTime(endMs)} is longer than 24 hours; split it.`,
    );
  }
  const edge = earliestStart(serverNowMs, marginMinutes);
  if (startMs < edge) {
    throw new InvalidWindowError(
      `window start ${formatApiTime(startMs)} is outside the 7-day retention (with a ${marginMinutes}-minute margin, ` +
        `the earliest start now is ${formatApiTime(Math.ceil(edge / 1000) * 1000)}); content older than 7 days cannot be listed.`,
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
  const edge = Math.ceil(earliestStart(serverNowMs, marginMinutes) / 1000) * 1000;
  const startMs = Math.max(window.startMs, edge);
  const endMs = Math.min(window.endMs, startMs + MAX_WINDOW_MS);
  return endMs > startMs ? { startMs, endMs } : undefined;
}

/** The server's clock from an HTTP `Date` header (IMF-fixdate), or undefined when absent or unreadable. */
export function parseDateHeader(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `Retry-After` as milliseconds to wait: delta-seconds or an HTTP date (relative to `nowMs`); undefined if absent. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}
