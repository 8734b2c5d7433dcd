/**
 * Audit times arrive as "2015-06-29T20:03:19" (UTC, no zone), sometimes with 7 fractional digits and a Z, and
 * occasionally with an offset. The table wants ISO 8601 with Z. The common shapes are recognised by character checks
 * (no regex, no Date) because this runs for every record of every blob.
 */

const DIGIT_0 = 48;
const DIGIT_9 = 57;

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** True for "YYYY-MM-DDTHH:MM:SS" at the start of `s` (T or a space between date and time). */
function hasDateTimePrefix(s: string): boolean {
  if (s.length < 19) return false;
  const sep = s.charCodeAt(10);
  return (
    isDigitAt(s, 0) &&
    isDigitAt(s, 1) &&
    isDigitAt(s, 2) &&
    isDigitAt(s, 3) &&
    s.charCodeAt(4) === 45 &&
    isDigitAt(s, 5) &&
    isDigitAt(s, 6) &&
    s.charCodeAt(7) === 45 &&
    isDigitAt(s, 8) &&
    isDigitAt(s, 9) &&
    (sep === 84 || sep === 32) &&
    isDigitAt(s, 11) &&
    isDigitAt(s, 12) &&
    s.charCodeAt(13) === 58 &&
    isDigitAt(s, 14) &&
    isDigitAt(s, 15) &&
    s.charCodeAt(16) === 58 &&
    isDigitAt(s, 17) &&
    isDigitAt(s, 18)
  );
}

/**
 * ISO 8601 UTC with Z, keeping the source's sub-second digits; a time without zone is UTC (the API's convention).
 * Returns null for anything that is not a date-time.
 */
export function toUtcIso(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (hasDateTimePrefix(value)) {
    let end = 19;
    if (value.charCodeAt(19) === 46 /* . */) {
      end = 20;
      while (end < value.length && isDigitAt(value, end)) end++;
      if (end === 20) return null;
    }
    const head =
      value.charCodeAt(10) === 84 ? value.slice(0, end) : `${value.slice(0, 10)}T${value.slice(11, end)}`;
    if (end === value.length) return `${head}Z`;
    if (end === value.length - 1 && (value.charCodeAt(end) === 90 || value.charCodeAt(end) === 122)) {
      return head === value.slice(0, end) ? (value.charCodeAt(end) === 90 ? value : `${head}Z`) : `${head}Z`;
    }
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  return new Date(ms).toISOString();
}

/** Whether {@link toUtcIso} would accept `value`, without building the string (runs for every record). */
export function isAuditTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (hasDateTimePrefix(value)) {
    let end = 19;
    if (value.charCodeAt(19) === 46 /* . */) {
      end = 20;
      while (end < value.length && isDigitAt(value, end)) end++;
      if (end === 20) return false;
    }
    if (end === value.length) return true;
    if (end === value.length - 1 && (value.charCodeAt(end) === 90 || value.charCodeAt(end) === 122))
      return true;
  }
  return !Number.isNaN(Date.parse(value));
}

/** Milliseconds since the epoch for an audit time (zone-less = UTC); NaN when it is not a date-time. */
export function utcMillis(value: string): number {
  const iso = toUtcIso(value);
  return iso === null ? Number.NaN : Date.parse(iso);
}
