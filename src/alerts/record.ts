/**
 * The audit record model: the common fields every record has, and typed views of the two kinds the default rules
 * care about — SecurityComplianceAlerts (RecordType 40) and AirInvestigation (RecordType 64). Shapes follow the
 * Management Activity API schema and the public samples in test/fixtures/o365-samples.
 *
 * Tolerances, all seen in real exports: RecordType/UserType/Version as strings; CreationTime without zone (UTC);
 * `Data` as a JSON string (parsed here; kept as the string when it does not parse, with the error noted);
 * investigation Actions as objects or as JSON strings; `DeeplinkURL` spelled as in the docs.
 */
import { isAuditTime, toUtcIso } from './time';

export const RECORD_TYPE_SECURITY_COMPLIANCE_ALERTS = 40;
export const RECORD_TYPE_AIR_INVESTIGATION = 64;

export type RawRecord = Readonly<Record<string, unknown>>;

interface AuditRecordBase {
  /** The record exactly as received (for columns and rules that read any field). */
  readonly raw: RawRecord;
  readonly id: string;
  readonly recordType: number;
  /** ISO 8601 UTC with Z. */
  readonly creationTime: string;
  readonly operation: string | null;
  readonly organizationId: string | null;
  readonly workload: string | null;
  /** Parsed Data object; the original string when it did not parse; null when absent. */
  readonly data: unknown;
  /** Why Data was kept as a string; undefined when it parsed (or was absent). */
  readonly dataParseError: string | undefined;
}

export interface SecurityComplianceAlertRecord extends AuditRecordBase {
  readonly kind: 'SecurityComplianceAlert';
  readonly alertId: string | null;
  readonly name: string | null;
  readonly severity: string | null;
  readonly category: string | null;
  readonly status: string | null;
  readonly policyId: string | null;
}

export interface AirAction {
  readonly ActionId?: string;
  readonly ActionType?: string;
  readonly ActionStatus?: string;
  readonly ActionApproval?: string;
  readonly RelatedAlertIds?: string[];
  readonly [field: string]: unknown;
}

export interface AirInvestigationRecord extends AuditRecordBase {
  readonly kind: 'AirInvestigation';
  readonly investigationId: string | null;
  readonly investigationName: string | null;
  readonly investigationType: string | null;
  readonly status: string | null;
  readonly actions: AirAction[];
  /** Data.AlertDisplayName: the name of the alert that triggered the investigation. */
  readonly alertDisplayName: string | null;
  /** Data.ProviderAlertId and every action's RelatedAlertIds, first-seen order, without repeats. */
  readonly relatedAlertIds: string[];
}

export interface OtherAuditRecord extends AuditRecordBase {
  readonly kind: 'Other';
}

export type AuditRecord = SecurityComplianceAlertRecord | AirInvestigationRecord | OtherAuditRecord;

/** An integer RecordType from 64 or "64"; undefined otherwise. */
export function coerceRecordType(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && v.length > 0 && v.length < 6) {
    const n = Number(v);
    return Number.isInteger(n) ? n : undefined;
  }
  return undefined;
}

/**
 * Why a parsed JSON value cannot be a record (quarantine reason), or undefined when it can. Cheap enough to run
 * on every record: the checks are typeof tests and character comparisons.
 */
export function recordProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'record is not a JSON object';
  const o = r as RawRecord;
  if (typeof o.Id !== 'string' || o.Id.length === 0)
    return 'record has no Id (a non-empty string is required)';
  if (coerceRecordType(o.RecordType) === undefined) {
    return `record ${o.Id} has RecordType ${JSON.stringify(o.RecordType)}, not an integer`;
  }
  if (!isAuditTime(o.CreationTime)) {
    return `record ${o.Id} has CreationTime ${JSON.stringify(o.CreationTime)}, not a valid date-time`;
  }
  return undefined;
}

/** A record's other datetime columns (besides CreationTime) as ISO with Z; null when absent. */
export interface RowTimes {
  readonly start: string | null;
  readonly lastUpdate: string | null;
  readonly end: string | null;
}

/** undefined for absent/null/empty, null for present but not a valid date-time, else the ISO string. */
function rowTime(v: unknown): string | null | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return toUtcIso(v);
}

function timeProblem(o: RawRecord, field: string): string {
  return `record ${String(o.Id)} has ${field} ${JSON.stringify(o[field])}, not a valid date-time`;
}

/**
 * The time fields a selected record's row turns into datetime columns, each converted once; or why they cannot be
 * (quarantine reason). An absent, null or empty field is fine (the column is null); a present one must be a valid
 * date-time, so an impossible date never turns into a silent null or a NaN later.
 */
export function rowTimes(o: RawRecord): RowTimes | string {
  const start = rowTime(o.StartTimeUtc);
  if (start === null) return timeProblem(o, 'StartTimeUtc');
  const lastUpdate = rowTime(o.LastUpdateTimeUtc);
  if (lastUpdate === null) return timeProblem(o, 'LastUpdateTimeUtc');
  const end = rowTime(o.EndTimeUtc);
  if (end === null) return timeProblem(o, 'EndTimeUtc');
  return { start: start ?? null, lastUpdate: lastUpdate ?? null, end: end ?? null };
}

/** Why a selected record's time fields cannot become datetime columns (see {@link rowTimes}), or undefined. */
export function rowTimeProblem(o: RawRecord): string | undefined {
  const t = rowTimes(o);
  return typeof t === 'string' ? t : undefined;
}

/**
 * Selected records cross durable history and ingestion as JSON, and JSON.stringify recurses: a hostile record nested
 * thousands of levels deep would throw RangeError there and fail its window on every retry. Real Data and Actions
 * nest fewer than ten levels, so anything past this limit is quarantined instead.
 */
export const MAX_NESTING = 100;

/**
 * False when `text` holds fewer than `limit` opening brackets: JSON text cannot nest deeper than its count of `{`
 * and `[`, so most Data strings are cleared by a few indexOf scans instead of a walk of the parsed value.
 */
export function mayNestDeeperThan(text: string, limit: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) if (++n >= limit) return true;
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) if (++n >= limit) return true;
  return false;
}

/** True when `value` has objects or arrays nested more than `limit` levels; stops descending at the limit. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && nestedDeeperThan(child, limit - 1)) return true;
  }
  return false;
}

export type DataParse = { value: unknown; error?: string };

/** Parses a record's Data (a JSON string in the API); objects pass through; absent → null. */
export function parseData(data: unknown): DataParse {
  if (data === undefined || data === null) return { value: null };
  if (typeof data !== 'string') return { value: data };
  try {
    return { value: JSON.parse(data) };
  } catch (e) {
    return { value: data, error: `Data is not valid JSON: ${(e as Error).message}` };
  }
}

/**
 * A deferred Data string (a follow-up update's) as its row value: parsed when it is JSON (kept as the string when it
 * is not, as the selection does), or `tooDeep` when it nests past {@link MAX_NESTING}.
 */
export function materializeData(text: string): { value: unknown; tooDeep: boolean } {
  const d = parseData(text);
  if (d.error !== undefined) return { value: text, tooDeep: false };
  return {
    value: d.value,
    tooDeep: mayNestDeeperThan(text, MAX_NESTING) && nestedDeeperThan(d.value, MAX_NESTING),
  };
}

/** Actions as objects: string elements (and a string array) are parsed; unparsable elements are dropped. */
export function parseActions(actions: unknown): AirAction[] {
  let list = actions;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(list)) return [];
  // The usual case, an array of objects, is returned as it is (no copy on the hot path).
  let allObjects = true;
  for (const a of list) {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) {
      allObjects = false;
      break;
    }
  }
  if (allObjects) return list as AirAction[];
  const out: AirAction[] = [];
  for (const a of list) {
    let v: unknown = a;
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch {
        continue;
      }
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(v as AirAction);
  }
  return out;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Alert ids an investigation references: Data.ProviderAlertId, then each action's RelatedAlertIds. */
export function relatedAlertIds(data: unknown, actions: readonly AirAction[]): string[] {
  const ids: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v.length > 0 && !ids.includes(v)) ids.push(v);
  };
  if (typeof data === 'object' && data !== null) add((data as Record<string, unknown>).ProviderAlertId);
  for (const a of actions) {
    if (Array.isArray(a.RelatedAlertIds)) for (const id of a.RelatedAlertIds) add(id);
  }
  return ids;
}

/**
 * The typed view of one record. Throws when {@link recordProblem} would report one; pass `dataParse` when Data
 * was already parsed (the selection does so lazily for rules on Data fields).
 */
export function parseAuditRecord(raw: unknown, dataParse?: DataParse): AuditRecord {
  const problem = recordProblem(raw);
  if (problem !== undefined) throw new TypeError(problem);
  const o = raw as RawRecord;
  const d = dataParse ?? parseData(o.Data);
  // Built field by field (no object spreads): this runs for every selected record on the hot path.
  const id = o.Id as string;
  const recordType = coerceRecordType(o.RecordType) as number;
  const creationTime = toUtcIso(o.CreationTime) as string;
  const operation = str(o.Operation);
  const organizationId = str(o.OrganizationId);
  const workload = str(o.Workload);
  const data = d.value;
  const dataParseError = d.error;
  if (recordType === RECORD_TYPE_SECURITY_COMPLIANCE_ALERTS) {
    const alert: SecurityComplianceAlertRecord = {
      kind: 'SecurityComplianceAlert',
      raw: o,
      id,
      recordType,
      creationTime,
      operation,
      organizationId,
      workload,
      data,
      dataParseError,
      alertId: str(o.AlertId),
      name: str(o.Name),
      severity: str(o.Severity),
      category: str(o.Category),
      status: str(o.Status),
      policyId: str(o.PolicyId),
    };
    return alert;
  }
  if (recordType === RECORD_TYPE_AIR_INVESTIGATION) {
    const actions = parseActions(o.Actions);
    const displayName =
      typeof data === 'object' && data !== null
        ? (data as Record<string, unknown>).AlertDisplayName
        : undefined;
    const investigation: AirInvestigationRecord = {
      kind: 'AirInvestigation',
      raw: o,
      id,
      recordType,
      creationTime,
      operation,
      organizationId,
      workload,
      data,
      dataParseError,
      investigationId: str(o.InvestigationId),
      investigationName: str(o.InvestigationName),
      investigationType: str(o.InvestigationType),
      status: str(o.Status),
      actions,
      alertDisplayName: str(displayName),
      relatedAlertIds: relatedAlertIds(data, actions),
    };
    return investigation;
  }
  const other: OtherAuditRecord = {
    kind: 'Other',
    raw: o,
    id,
    recordType,
    creationTime,
    operation,
    organizationId,
    workload,
    data,
    dataParseError,
  };
  return other;
}
