/**
 * Value semantics of the KQL subset: comparison, ordering, string operators and conversions, kept apart from the
 * tree walking so each rule is stated once (e.g. `has` matches whole terms, `contains` any substring, both
 * case-insensitively).
 */
import type { KustoType } from '../types';
import { formatDatetime, formatTimespan, parseDatetime, parseTimespan } from '../types';

export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

/** Kusto's `tostring`: datetimes as ISO, dynamic as JSON, null as ''. */
export function toKustoString(value: unknown, type: KustoType): string {
  if (value === null || value === undefined) return '';
  if (type === 'datetime' && typeof value === 'number') return formatDatetime(value);
  if (type === 'timespan' && typeof value === 'number') return formatTimespan(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Converts a value of one type to another the way KQL's to*() functions do; null when it cannot. */
export function convert(value: unknown, from: KustoType, to: KustoType): unknown {
  if (value === null || value === undefined) return to === 'string' ? '' : null;
  if (from === to) return value;
  switch (to) {
    case 'string':
    case 'guid':
      return toKustoString(value, from);
    case 'datetime':
      return typeof value === 'number' && from !== 'datetime' ? null : parseDatetime(value);
    case 'timespan':
      return typeof value === 'number' ? value : parseTimespan(value);
    case 'int':
    case 'long': {
      const n =
        typeof value === 'boolean'
          ? Number(value)
          : typeof value === 'string'
            ? Number(value.trim() || NaN)
            : Number(value);
      return Number.isFinite(n) ? Math.trunc(n) : null;
    }
    case 'real':
    case 'decimal': {
      const n =
        typeof value === 'boolean'
          ? Number(value)
          : typeof value === 'string'
            ? Number(value.trim() || NaN)
            : Number(value);
      return Number.isFinite(n) ? n : null;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'string')
        return value.toLowerCase() === 'true' ? true : value.toLowerCase() === 'false' ? false : null;
      return null;
    case 'dynamic':
      return value;
  }
}

/** Equality as `==` sees it: ordinal for strings; null never equals anything (the comparison is null). */
export function kustoEquals(a: unknown, b: unknown): boolean | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/** Total order used by sort, min/max and comparisons: numbers numerically, strings ordinally, false < true. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function isTermChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);
}

/**
 * `has`: the needle occurs as a whole term — not preceded or followed by another alphanumeric character — compared
 * case-insensitively (Kusto's index works on alphanumeric terms, so "ingest-by:x" has "ingest" and "by:x").
 */
export function hasTerm(haystack: string, needle: string, caseSensitive = false): boolean {
  if (needle === '') return true;
  const h = caseSensitive ? haystack : haystack.toLowerCase();
  const n = caseSensitive ? needle : needle.toLowerCase();
  let from = 0;
  for (;;) {
    const at = h.indexOf(n, from);
    if (at < 0) return false;
    const before = at === 0 ? undefined : h[at - 1];
    const after = h[at + n.length];
    const startOk = !isTermChar(n[0]) || !isTermChar(before);
    const endOk = !isTermChar(n[n.length - 1]) || !isTermChar(after);
    if (startOk && endOk) return true;
    from = at + 1;
  }
}

/** A stable key for grouping and distinct: equal values (by `==`) share a key. */
export function groupKey(values: readonly unknown[]): string {
  return JSON.stringify(values.map((v) => (v === undefined ? null : v)));
}
