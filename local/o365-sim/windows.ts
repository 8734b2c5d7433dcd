/**
 * The listing window rules, with the codes the service answers: times are compared against contentCreated,
 * start inclusive, end exclusive, at most 24 h apart, start no more than 7 days back (per the injected clock).
 */
import { RETENTION_MS } from './content-source';

const DAY = 24 * 3_600_000;
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?Z?$/;

/** Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS[.fff]` (UTC, optional trailing Z). */
export function parseApiTime(value: string): number | undefined {
  const m = TIME.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const ms = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number(frac.padEnd(3, '0').slice(0, 3)),
  );
  const check = new Date(ms);
  // Reject impossible dates such as 2024-02-31 rather than rolling them over.
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return undefined;
  return ms;
}

export type WindowCheck =
  { ok: true; startMs: number; endMs: number } | { ok: false; code: string; message: string };

const BOTH_OR_NEITHER =
  'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time prior to end time.';
const SEVEN_DAYS =
  'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past.';

export function checkWindow(
  startRaw: string | undefined,
  endRaw: string | undefined,
  nowMs: number,
): WindowCheck {
  if (startRaw === undefined && endRaw === undefined) return { ok: true, startMs: nowMs - DAY, endMs: nowMs };
  if (startRaw === undefined || endRaw === undefined)
    return { ok: false, code: 'AF20030', message: BOTH_OR_NEITHER };
  const startMs = parseApiTime(startRaw);
  if (startMs === undefined)
    return {
      ok: false,
      code: 'AF20002',
      message: 'Invalid parameter type: startTime. Expected type: DateTime',
    };
  const endMs = parseApiTime(endRaw);
  if (endMs === undefined)
    return {
      ok: false,
      code: 'AF20002',
      message: 'Invalid parameter type: endTime. Expected type: DateTime',
    };
  if (endMs <= startMs || endMs - startMs > DAY)
    return { ok: false, code: 'AF20030', message: BOTH_OR_NEITHER };
  if (startMs < nowMs - RETENTION_MS) return { ok: false, code: 'AF20055', message: SEVEN_DAYS };
  return { ok: true, startMs, endMs };
}
