/**
 * One content blob → what the window keeps from it. This is the pipeline's CPU hot path (at least half of bare
 * JSON.parse throughput), so the rules are compiled once into Set look-ups ordered cheap-first (RecordType before
 * anything else, Data fields last because they need Data's own JSON.parse), each selected record's Data and Actions
 * are parsed once and handed to the row as they are, and no intermediate typed model is built on the way.
 */
import type { AlertRow } from '../kusto/schema';
import {
  MAX_NESTING,
  mayNestDeeperThan,
  nestedDeeperThan,
  coerceRecordType,
  parseActions,
  parseData,
  recordProblem,
  relatedAlertIds,
  rowTimes,
  RECORD_TYPE_AIR_INVESTIGATION,
  RECORD_TYPE_SECURITY_COMPLIANCE_ALERTS,
  type DataParse,
  type RawRecord,
} from './record';
import { buildRow, normalizeProvenance } from './row';
import { isKnownAirStatus, statusKey, type MatchValue, type Rule, type RuleSet } from './rules';
import { toUtcIso } from './time';
import type { AirVerdict, BlobSelection, PendingAlert, Provenance } from './types';

/** The blob as a whole is unusable (not JSON, or not a JSON array); the caller quarantines the blob. */
export class MalformedContentError extends Error {
  constructor(readonly reason: string) {
    super(`Malformed content blob: ${reason}`);
    this.name = 'MalformedContentError';
  }
}

export { MAX_NESTING } from './record';

interface CompiledField {
  readonly path: readonly string[];
  /** A Data.* field: matched against the parsed Data object from path[1] on. */
  readonly onData: boolean;
  readonly accepted: ReadonlySet<unknown>;
  /** `Status`: accepted values and the record's value compare as {@link statusKey} (trimmed, lower case). */
  readonly fold: boolean;
  /** For Data fields whose accepted values are all plain strings: each as a JSON literal, for the pre-check. */
  readonly literals?: readonly string[];
  readonly literalsHaveSlash?: boolean;
}

interface CompiledRule {
  readonly rule: Rule;
  /** Every `match` field except, for a verdict rule, its Status. */
  readonly all: readonly CompiledField[];
  readonly any: readonly (readonly CompiledField[])[];
  /** A verdict rule's Status field: a record that matches all else but not this is a follow-up of its investigation. */
  readonly status?: CompiledField;
}

/** Both spellings of a value, so 40 matches "40" and "true" matches true without converting per record. */
function acceptedValues(values: readonly MatchValue[]): Set<unknown> {
  const set = new Set<unknown>();
  for (const v of values) {
    set.add(v);
    if (typeof v === 'number' || typeof v === 'boolean') set.add(String(v));
    else if (v.trim() !== '' && String(Number(v)) === v) set.add(Number(v));
    else if (v === 'true' || v === 'false') set.add(v === 'true');
  }
  return set;
}

/** A string JSON writes verbatim except for optional \uXXXX or \/ escapes (no quote, backslash, control char). */
function isPlainLiteral(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function compileFields(match: Record<string, readonly MatchValue[]>): CompiledField[] {
  const fields = Object.keys(match).map((key): CompiledField => {
    const path = key.split('.');
    const onData = path[0] === 'Data' && path.length > 1;
    const values = match[key];
    const plain = onData && values.every((v) => typeof v === 'string' && isPlainLiteral(v));
    const fold = key === 'Status';
    return {
      path,
      onData,
      fold,
      accepted: fold
        ? new Set(values.map((v) => (typeof v === 'string' ? statusKey(v) : v)))
        : acceptedValues(values),
      ...(plain
        ? {
            literals: values.map((v) => `"${v}"`),
            literalsHaveSlash: values.some((v) => String(v).includes('/')),
          }
        : {}),
    };
  });
  // Cheap and most selective first: RecordType, then plain fields, then fields inside Data.
  const rank = (f: CompiledField): number => (f.path[0] === 'RecordType' ? 0 : f.onData ? 2 : 1);
  return fields.sort((a, b) => rank(a) - rank(b));
}

function dataFieldCount(fields: readonly CompiledField[]): number {
  return fields.filter((f) => f.onData).length;
}

const compiledCache = new WeakMap<RuleSet, CompiledRule[]>();

function compile(rules: RuleSet): CompiledRule[] {
  let compiled = compiledCache.get(rules);
  if (!compiled) {
    compiled = rules.rules.map((rule): CompiledRule => {
      const all = compileFields(rule.match);
      // Clauses that need no Data parse are tried first.
      const any = (rule.matchAny ?? [])
        .map(compileFields)
        .sort((a, b) => dataFieldCount(a) - dataFieldCount(b));
      const status = rule.emit === 'verdict' ? all.find((f) => f.fold) : undefined;
      return status ? { rule, all: all.filter((f) => f !== status), any, status } : { rule, all, any };
    });
    compiledCache.set(rules, compiled);
  }
  return compiled;
}

/** Per-record lazy Data parse, reused across records to avoid an allocation per record. */
class LazyData {
  raw: RawRecord = {};
  parsed: DataParse | undefined;
  reset(raw: RawRecord): void {
    this.raw = raw;
    this.parsed = undefined;
  }
  get(): DataParse {
    if (this.parsed === undefined) this.parsed = parseData(this.raw.Data);
    return this.parsed;
  }
}

function matchesAt(v: unknown, path: readonly string[], i: number, accepted: ReadonlySet<unknown>): boolean {
  if (Array.isArray(v)) {
    for (const el of v) if (matchesAt(el, path, i, accepted)) return true;
    return false;
  }
  if (i === path.length) return accepted.has(v);
  if (typeof v !== 'object' || v === null || !Object.hasOwn(v, path[i])) return false;
  return matchesAt((v as Record<string, unknown>)[path[i]], path, i + 1, accepted);
}

/**
 * Exact shortcut that spares the second JSON.parse of most Data strings: a plain string value V inside the Data
 * text is written either as the literal "V" or with \uXXXX (or \/) escapes, so when the text has none of
 * those and no literal, the parsed Data cannot hold V anywhere.
 */
function dataCannotMatch(f: CompiledField, text: string): boolean {
  if (text.includes('\\u') || (f.literalsHaveSlash && text.includes('\\/'))) return false;
  for (const lit of f.literals as readonly string[]) if (text.includes(lit)) return false;
  return true;
}

function fieldMatches(f: CompiledField, rec: RawRecord, data: LazyData): boolean {
  if (f.onData) {
    if (f.literals !== undefined && data.parsed === undefined && typeof rec.Data === 'string') {
      if (dataCannotMatch(f, rec.Data)) return false;
    }
    return matchesAt(data.get().value, f.path, 1, f.accepted);
  }
  const v = rec[f.path[0]];
  if (f.fold) return typeof v === 'string' && f.accepted.has(statusKey(v));
  if (f.path.length === 1 && f.accepted.has(v)) return true;
  return typeof v === 'object' && v !== null ? matchesAt(v, f.path, 1, f.accepted) : false;
}

function allMatch(fields: readonly CompiledField[], rec: RawRecord, data: LazyData): boolean {
  for (const f of fields) if (!fieldMatches(f, rec, data)) return false;
  return true;
}

interface RuleMatch {
  readonly rule: Rule;
  /** The record matched a verdict rule except for its Status: a follow-up update of the investigation. */
  readonly followUp: boolean;
}

/** First rule that matches wins; a verdict rule matched all but its Status is used only when no rule matches. */
function firstMatchingRule(
  rules: readonly CompiledRule[],
  rec: RawRecord,
  data: LazyData,
): RuleMatch | undefined {
  let followUp: Rule | undefined;
  for (const c of rules) {
    if (!allMatch(c.all, rec, data)) continue;
    if (c.any.length > 0 && !c.any.some((clause) => allMatch(clause, rec, data))) continue;
    if (c.status === undefined || fieldMatches(c.status, rec, data)) return { rule: c.rule, followUp: false };
    followUp ??= c.rule;
  }
  return followUp === undefined ? undefined : { rule: followUp, followUp: true };
}

/**
 * Parses one content blob and applies the rules. Throws {@link MalformedContentError} when the text is not a JSON
 * array; records inside it that cannot be records (not an object, no Id, bad RecordType, an impossible CreationTime)
 * are quarantined one by one and never stop the blob. A selected record is also quarantined when a time its row
 * uses is not a valid date-time, when a verdict record has no InvestigationId or Status, or when an awaiting alert
 * has no AlertId: none of those can be stored or correlated faithfully.
 */
export function selectFromContent(text: string, rules: RuleSet, provenance: Provenance): BlobSelection {
  let parsed: unknown;
  try {
    // A UTF-8 byte order mark is not JSON but says nothing about the content; tolerate it rather than quarantine.
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new MalformedContentError(`not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(parsed)) {
    throw new MalformedContentError(
      `expected a JSON array of audit records, got ${parsed === null ? 'null' : typeof parsed}`,
    );
  }
  const compiled = compile(rules);
  const prov = normalizeProvenance(provenance);
  const firstSeen = prov.contentCreated;
  const rows: AlertRow[] = [];
  const waitingAlerts: PendingAlert[] = [];
  const verdicts: AirVerdict[] = [];
  const quarantined: { index: number; reason: string }[] = [];
  let dropped = 0;
  let unparsedData = 0;
  let unknownStatuses = 0;
  const data = new LazyData();

  for (let index = 0; index < parsed.length; index++) {
    const raw: unknown = parsed[index];
    const problem = recordProblem(raw);
    if (problem !== undefined) {
      quarantined.push({ index, reason: problem });
      continue;
    }
    const rec = raw as RawRecord;
    data.reset(rec);
    const match = firstMatchingRule(compiled, rec, data);
    if (match === undefined) {
      dropped++;
      continue;
    }
    const rule = match.rule;
    // A follow-up is ingested only if its investigation turns out to be selected, which most never are (updates
    // before the verdict): its Data string stays text until correlate() releases it, which parses and checks it.
    const deferData = match.followUp && typeof rec.Data === 'string' && data.parsed === undefined;
    const dataParse: DataParse = deferData ? { value: rec.Data } : data.get();
    const tooDeep =
      (deferData
        ? false
        : typeof rec.Data === 'string'
          ? dataParse.error === undefined &&
            mayNestDeeperThan(rec.Data, MAX_NESTING) &&
            nestedDeeperThan(dataParse.value, MAX_NESTING)
          : nestedDeeperThan(dataParse.value, MAX_NESTING)) || nestedDeeperThan(rec.Actions, MAX_NESTING);
    if (tooDeep) {
      quarantined.push({
        index,
        reason: `record ${rec.Id as string} has Data or Actions nested deeper than ${MAX_NESTING} levels`,
      });
      continue;
    }
    const times = rowTimes(rec);
    if (typeof times === 'string') {
      quarantined.push({ index, reason: times });
      continue;
    }
    const id = rec.Id as string;
    const recordType = coerceRecordType(rec.RecordType) as number;
    const creationTime = toUtcIso(rec.CreationTime) as string;
    const actions = rec.Actions === undefined || rec.Actions === null ? null : parseActions(rec.Actions);
    let verdict: AirVerdict | undefined;
    if (rule.emit === 'verdict') {
      const investigationId = rec.InvestigationId;
      const status = rec.Status;
      if (
        recordType !== RECORD_TYPE_AIR_INVESTIGATION ||
        typeof investigationId !== 'string' ||
        investigationId.length === 0 ||
        typeof status !== 'string' ||
        status.trim().length === 0
      ) {
        quarantined.push({
          index,
          reason: `record ${id} matched verdict rule "${rule.name}" but has no InvestigationId or Status`,
        });
        continue;
      }
      if (!isKnownAirStatus(status)) unknownStatuses++;
      verdict = {
        investigationId,
        verdict: status,
        creationTime,
        lastUpdateTime: times.lastUpdate,
        recordId: id,
        alertIds: relatedAlertIds(deferData ? null : dataParse.value, actions ?? []),
      };
    } else if (rule.emit === 'awaitVerdict') {
      if (
        recordType !== RECORD_TYPE_SECURITY_COMPLIANCE_ALERTS ||
        typeof rec.AlertId !== 'string' ||
        rec.AlertId.length === 0
      ) {
        quarantined.push({
          index,
          reason: `record ${id} matched rule "${rule.name}" (awaitVerdict) but has no AlertId`,
        });
        continue;
      }
    }
    if (dataParse.error !== undefined) unparsedData++;
    const row = buildRow(rec, recordType, creationTime, times, dataParse.value, actions, rule.name, prov);
    if (verdict !== undefined) {
      if (match.followUp) verdict.row = row;
      else rows.push(row);
      verdicts.push(verdict);
    } else if (rule.emit === 'awaitVerdict') {
      waitingAlerts.push({ alertId: rec.AlertId as string, row, firstSeen });
    } else rows.push(row);
  }
  return {
    recordsSeen: parsed.length,
    rows,
    waitingAlerts,
    verdicts,
    quarantined,
    dropped,
    unparsedData,
    unknownStatuses,
  };
}
