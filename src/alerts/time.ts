/**
 * Audit times arrive as "2015-06-29T20:03:19" (UTC, no zone), sometimes with 7 fractional digits and a Z, and
 * occasionally with an offset. The table wants ISO 8601 with Z. The common shapes are recognised and range-checked
 * by character arithmetic (this runs for every record of every blob); any other shape is parsed by luxon. Either way
 * an impossible calendar value (month 13, 30 February, 25:00) is rejected, so no invalid time reaches a row or a
 * comparison as NaN.
 */
import { DateTime } from 'luxon';

const DIGIT_0 = 48;
const DIGIT_9 = 57;

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= DIGIT_0 && c <= DIGIT_9;
}

function twoDigits(s: string, i: number): number {
  return (s.charCodeAt(i) - DIGIT_0) * 10 + (s.charCodeAt(i + 1) - DIGIT_0);
}

/** Days in a month of the proleptic Gregorian calendar (the one ISO 8601 uses). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
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

/** The prefix's fields are a real calendar date and time of day (no leap seconds: audit times never carry one). */
function prefixInRange(s: string): boolean {
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    twoDigits(s, 11) <= 23 &&
    twoDigits(s, 14) <= 59 &&
    twoDigits(s, 17) <= 59
  );
}

/**
 * Where the common shape ends: the index after the optional fraction, or -1 when `s` does not have the common
 * shape (then the slow path decides). The caller still checks what follows (end of string, or Z).
 */
function commonShapeEnd(s: string): number {
  if (!hasDateTimePrefix(s)) return -1;
  let end = 19;
  if (s.charCodeAt(19) === 46 /* . */) {
    end = 20;
    while (end < s.length && isDigitAt(s, end)) end++;
    if (end === 20) return -1;
  }
  return end;
}

/** Shapes other than the common one: ISO 8601 with an offset, a date alone, RFC 2822. Zone-less means UTC. */
function parseOther(value: string): DateTime | null {
  const iso = DateTime.fromISO(value, { zone: 'utc' });
  if (iso.isValid) return iso;
  const rfc = DateTime.fromRFC2822(value, { zone: 'utc' });
  return rfc.isValid ? rfc : null;
}

/**
 * ISO 8601 UTC with Z, keeping the source's sub-second digits; a time without zone is UTC (the API's convention).
 * Returns null for anything that is not a valid date-time.
 */
export function toUtcIso(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const end = commonShapeEnd(value);
  if (end >= 0) {
    const zulu = end === value.length - 1 && (value.charCodeAt(end) === 90 || value.charCodeAt(end) === 122);
    if (end === value.length || zulu) {
      if (!prefixInRange(value)) return null;
      if (value.charCodeAt(10) === 84 && value.charCodeAt(end) === 90) return value;
      const head =
        value.charCodeAt(10) === 84 ? value.slice(0, end) : `${value.slice(0, 10)}T${value.slice(11, end)}`;
      return `${head}Z`;
    }
  }
  const other = parseOther(value);
  return other === null ? null : (other.toUTC().toISO() as string);
}

/** Whether {@link toUtcIso} would accept `value`, without building the string (runs for every record). */
export function isAuditTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const end = commonShapeEnd(value);
  if (end >= 0) {
    if (
      end === value.length ||
      (end === value.length - 1 && (value.charCodeAt(end) === 90 || value.charCodeAt(end) === 122))
    ) {
      return prefixInRange(value);
    }
  }
  return parseOther(value) !== null;
}

/** Milliseconds since the epoch for an audit time (zone-less = UTC); NaN when it is not a valid date-time. */
export function utcMillis(value: string): number {
  const iso = toUtcIso(value);
  return iso === null ? Number.NaN : Date.parse(iso);
}
