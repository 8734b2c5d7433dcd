/**
 * Kusto scalar types and how values of each travel: as stored in the embedded store (JSON), as evaluated (plain JS:
 * datetime and timespan are milliseconds so comparisons and arithmetic need no wrappers), and as sent on the wire
 * (ISO 8601 datetimes, `d.hh:mm:ss.fffffff` timespans) — the shapes azure-kusto-data converts back.
 */

export type KustoType =
  'string' | 'datetime' | 'dynamic' | 'int' | 'long' | 'real' | 'bool' | 'guid' | 'timespan' | 'decimal';

export interface Column {
  readonly name: string;
  readonly type: KustoType;
}

/** A row while a query runs: column name → evaluated value. */
export type Row = Record<string, unknown>;

const TYPE_ALIASES: Record<string, KustoType> = {
  string: 'string',
  datetime: 'datetime',
  date: 'datetime',
  dynamic: 'dynamic',
  int: 'int',
  int32: 'int',
  long: 'long',
  int64: 'long',
  real: 'real',
  double: 'real',
  bool: 'bool',
  boolean: 'bool',
  guid: 'guid',
  uniqueid: 'guid',
  timespan: 'timespan',
  time: 'timespan',
  decimal: 'decimal',
};

export function parseKustoType(name: string): KustoType | undefined {
  return TYPE_ALIASES[name.toLowerCase()];
}

/** The .NET type name Kusto reports beside each CSL type (v1 `DataType`, schema `Type`). */
export const DOTNET_TYPE: Record<KustoType, string> = {
  string: 'System.String',
  datetime: 'System.DateTime',
  dynamic: 'System.Object',
  int: 'System.Int32',
  long: 'System.Int64',
  real: 'System.Double',
  bool: 'System.SByte',
  guid: 'System.Guid',
  timespan: 'System.TimeSpan',
  decimal: 'System.Data.SqlTypes.SqlDecimal',
};

/** v1 table `DataType` names. */
export const V1_DATA_TYPE: Record<KustoType, string> = {
  string: 'String',
  datetime: 'DateTime',
  dynamic: 'Object',
  int: 'Int32',
  long: 'Int64',
  real: 'Double',
  bool: 'Boolean',
  guid: 'Guid',
  timespan: 'TimeSpan',
  decimal: 'Decimal',
};

export function isNumericType(type: KustoType): boolean {
  return type === 'int' || type === 'long' || type === 'real' || type === 'decimal';
}

/** Parses a datetime the way ingestion does: ISO 8601, with or without zone (UTC assumed). */
export function parseDatetime(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const iso = text.includes('T') || !/^\d{4}-\d{2}-\d{2} /.test(text) ? text : text.replace(' ', 'T');
  const ms = Date.parse(hasZone || !iso.includes('T') ? iso : `${iso}Z`);
  return Number.isNaN(ms) ? null : ms;
}

/** Parses `[-][d.]hh:mm[:ss[.fffffff]]` or a KQL timespan literal (`1h`, `30m`, `7d`, `10s`, `100ms`). */
export function parseTimespan(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const literal =
    /^(-?\d+(?:\.\d+)?)\s*(d|h|m|s|ms|microsecond|tick|day|days|hour|hours|minute|minutes|second|seconds)$/i.exec(
      text,
    );
  if (literal) {
    const n = Number(literal[1]);
    const unit = literal[2]!.toLowerCase();
    const factor: Record<string, number> = {
      d: 86_400_000,
      day: 86_400_000,
      days: 86_400_000,
      h: 3_600_000,
      hour: 3_600_000,
      hours: 3_600_000,
      m: 60_000,
      minute: 60_000,
      minutes: 60_000,
      s: 1000,
      second: 1000,
      seconds: 1000,
      ms: 1,
      microsecond: 0.001,
      tick: 0.0001,
    };
    return n * factor[unit]!;
  }
  const clock = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(text);
  if (!clock) return null;
  const [, sign, days, hours, minutes, seconds, fraction] = clock;
  const ms =
    Number(days ?? 0) * 86_400_000 +
    Number(hours) * 3_600_000 +
    Number(minutes) * 60_000 +
    Number(seconds ?? 0) * 1000 +
    Number(`0.${fraction ?? '0'}`) * 1000;
  return sign ? -ms : ms;
}

export function formatTimespan(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const ticks = Math.round((rest - seconds * 1000) * 10_000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${sign}${days ? `${days}.` : ''}${pad(hours)}:${pad(minutes)}:${pad(seconds)}${ticks ? `.${pad(ticks, 7)}` : ''}`;
}

/** ISO 8601 as Kusto writes it: fractional seconds only when there are any. */
export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * Converts an incoming (ingested) value to the stored form of a column type. Returns null for values the type
 * cannot hold, as Kusto does (it never rejects a row for one bad field).
 */
export function coerceForStore(value: unknown, type: KustoType): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'string':
    case 'guid':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'datetime': {
      const ms = parseDatetime(value);
      return ms === null ? null : new Date(ms).toISOString();
    }
    case 'timespan':
      return parseTimespan(value);
    case 'int':
    case 'long': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : NaN;
      return Number.isFinite(n) ? Math.trunc(n) : typeof value === 'boolean' ? Number(value) : null;
    }
    case 'real':
    case 'decimal': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : NaN;
      return Number.isFinite(n) ? n : null;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'string') {
        const lower = value.trim().toLowerCase();
        if (lower === 'true' || lower === '1') return true;
        if (lower === 'false' || lower === '0') return false;
      }
      return null;
    case 'dynamic':
      return value;
  }
}

/** Stored JSON value → evaluated value. */
export function fromStore(value: unknown, type: KustoType): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'datetime') return parseDatetime(value);
  return value;
}

/** Evaluated value → the JSON the v1/v2 wire formats carry. */
export function toWire(value: unknown, type: KustoType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'datetime':
      return typeof value === 'number' ? formatDatetime(value) : null;
    case 'timespan':
      return typeof value === 'number' ? formatTimespan(value) : null;
    case 'string':
    case 'guid':
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      return value;
  }
}
