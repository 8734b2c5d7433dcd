/**
 * NCRONTAB schedules as Azure timer triggers read them: `{second} {minute} {hour} {day} {month} {day-of-week}` (a
 * five-field expression has no seconds), with `*`, lists, ranges, steps and month/day names; or a TimeSpan
 * `hh:mm:ss` meaning "every interval". Times are UTC (WEBSITE_TIME_ZONE is not honoured locally). When both day
 * fields are restricted, a day must match both.
 */
export interface Schedule {
  /** The first occurrence strictly after `afterMs`. */
  next(afterMs: number): number;
}

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseField(text: string, min: number, max: number, names?: string[], nameBase = 0): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const named = names?.indexOf(token.toLowerCase()) ?? -1;
    const n = named >= 0 ? named + nameBase : Number(token);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`schedule value '${token}' is outside ${min}-${max}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`invalid step in '${part}'`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range!.includes('-')) {
      const [a, b] = range!.split('-');
      [lo, hi] = [value(a!), value(b!)];
    } else {
      lo = value(range!);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

export function parseSchedule(expression: string, startMs = 0): Schedule {
  const trimmed = expression.trim();
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(trimmed);
  if (span) {
    const [, days, h, m, s] = span;
    const interval = ((Number(days ?? 0) * 24 + Number(h)) * 3600 + Number(m) * 60 + Number(s)) * 1000;
    if (interval <= 0) throw new Error(`timer interval '${expression}' must be positive`);
    return { next: (after) => startMs + (Math.floor((after - startMs) / interval) + 1) * interval };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length === 5) fields.unshift('0');
  if (fields.length !== 6) throw new Error(`NCRONTAB expression '${expression}' needs 6 fields (or 5)`);
  const seconds = parseField(fields[0]!, 0, 59);
  const minutes = parseField(fields[1]!, 0, 59);
  const hours = parseField(fields[2]!, 0, 23);
  const days = parseField(fields[3]!, 1, 31);
  const months = parseField(fields[4]!, 1, 12, monthNames, 1);
  const dows = parseField(fields[5]!.replace(/\b7\b/g, '0'), 0, 6, dayNames);
  return {
    next(afterMs: number): number {
      let t = Math.floor(afterMs / 1000) * 1000 + 1000;
      for (let guard = 0; guard < 500_000; guard++) {
        const d = new Date(t);
        const [y, mo, day, h, mi] = [
          d.getUTCFullYear(),
          d.getUTCMonth(),
          d.getUTCDate(),
          d.getUTCHours(),
          d.getUTCMinutes(),
        ];
        if (!months.has(mo + 1)) t = Date.UTC(y, mo + 1, 1);
        else if (!days.has(day) || !dows.has(d.getUTCDay())) t = Date.UTC(y, mo, day + 1);
        else if (!hours.has(h)) t = Date.UTC(y, mo, day, h + 1);
        else if (!minutes.has(mi)) t = Date.UTC(y, mo, day, h, mi + 1);
        else if (!seconds.has(d.getUTCSeconds())) t += 1000;
        else return t;
      }
      throw new Error(`NCRONTAB expression '${expression}' never fires`);
    },
  };
}
