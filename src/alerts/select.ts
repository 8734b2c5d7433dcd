/**
 * One content blob → what the window keeps from it. This is the pipeline's CPU hot path (DESIGN §9: at least half of
 * bare JSON.parse throughput), so the rules are compiled once into Set look-ups ordered cheap-first (RecordType before
 * anything else, Data fields last because they need a second JSON.parse), and only selected records are given a
 * typed model and a row.
 */
import type { AlertRow } from '../kusto/schema';
import { parseAuditRecord, parseData, recordProblem, type DataParse, type RawRecord } from './record';
import { toAlertRow } from './row';
import type { MatchValue, Rule, RuleSet } from './rules';
import { toUtcIso } from './time';
import type { AirVerdict, BlobSelection, PendingAlert, Provenance } from './types';

/** The blob as a whole is unusable (not JSON, or not a JSON array); the caller quarantines the blob. */
export class MalformedContentError extends Error {
  constructor(readonly reason: string) {
    super(`Malformed content blob: ${reason}`);
    this.name = 'MalformedContentError';
  }
}

/**
 * Selected records cross durable history and ingestion as JSON, and JSON.stringify recurses: a hostile record nested
 * thousands of levels deep would throw RangeError there and fail its window on every retry. Real Data and Actions
 * nest fewer than ten levels, so anything past this limit is quarantined instead.
 */
export const MAX_NESTING = 100;

/** True when `value` has objects or arrays nested more than `limit` levels; stops descending at the limit. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && nestedDeeperThan(child, limit - 1)) return true;
  }
  return false;
}

interface CompiledField {
  readonly path: readonly string[];
  /** A Data.* field: matched against the parsed Data object from path[1] on. */
  readonly onData: boolean;
  readonly accepted: ReadonlySet<unknown>;
  /** For Data fields whose accepted values are all plain strings: each as a JSON literal, for the pre-check. */
  readonly literals?: readonly string[];
  readonly literalsHaveSlash?: boolean;
}

interface CompiledRule {
  readonly rule: Rule;
  readonly all: readonly CompiledField[];
  readonly any: readonly (readonly CompiledField[])[];
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
    return {
      path,
      onData,
      accepted: acceptedValues(values),
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
    compiled = rules.rules.map((rule) => ({
      rule,
      all: compileFields(rule.match),
      // Clauses that need no Data parse are tried first.
      any: (rule.matchAny ?? []).map(compileFields).sort((a, b) => dataFieldCount(a) - dataFieldCount(b)),
    }));
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
  if (typeof v !== 'object' || v === null) return false;
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
  if (f.path.length === 1 && f.accepted.has(v)) return true;
  return typeof v === 'object' && v !== null ? matchesAt(v, f.path, 1, f.accepted) : false;
}

function allMatch(fields: readonly CompiledField[], rec: RawRecord, data: LazyData): boolean {
  for (const f of fields) if (!fieldMatches(f, rec, data)) return false;
  return true;
}

function firstMatchingRule(rules: readonly CompiledRule[], rec: RawRecord, data: LazyData): Rule | undefined {
  for (const c of rules) {
    if (!allMatch(c.all, rec, data)) continue;
    if (c.any.length > 0 && !c.any.some((clause) => allMatch(clause, rec, data))) continue;
    return c.rule;
  }
  return undefined;
}

/**
 * Parses one content blob and applies the rules. Throws {@link MalformedContentError} when the text is not a JSON
 * array; records inside it that cannot be records (not an object, no Id, bad RecordType or CreationTime) are
 * quarantined one by one and never stop the blob. A verdict record without InvestigationId, or an awaiting alert
 * without AlertId, is quarantined too: it cannot take part in correlation.
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
  const firstSeen = toUtcIso(provenance.contentCreated) ?? provenance.contentCreated;
  const rows: AlertRow[] = [];
  const waitingAlerts: PendingAlert[] = [];
  const verdicts: AirVerdict[] = [];
  const quarantined: { index: number; reason: string }[] = [];
  let dropped = 0;
  let unparsedData = 0;
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
    const rule = firstMatchingRule(compiled, rec, data);
    if (rule === undefined) {
      dropped++;
      continue;
    }
    const dataValue = data.get();
    if (nestedDeeperThan(dataValue.value, MAX_NESTING) || nestedDeeperThan(rec.Actions, MAX_NESTING)) {
      quarantined.push({
        index,
        reason: `record ${rec.Id} has Data or Actions nested deeper than ${MAX_NESTING} levels`,
      });
      continue;
    }
    const record = parseAuditRecord(rec, dataValue);
    if (rule.emit === 'verdict') {
      if (record.kind !== 'AirInvestigation' || !record.investigationId || !record.status) {
        quarantined.push({
          index,
          reason: `record ${record.id} matched verdict rule "${rule.name}" but has no InvestigationId or Status`,
        });
        continue;
      }
      verdicts.push({
        investigationId: record.investigationId,
        verdict: record.status,
        creationTime: record.creationTime,
        recordId: record.id,
        alertIds: record.relatedAlertIds,
      });
    } else if (rule.emit === 'awaitVerdict') {
      if (record.kind !== 'SecurityComplianceAlert' || !record.alertId) {
        quarantined.push({
          index,
          reason: `record ${record.id} matched rule "${rule.name}" (awaitVerdict) but has no AlertId`,
        });
        continue;
      }
    }
    if (record.dataParseError !== undefined) unparsedData++;
    const row = toAlertRow(record, rule.name, provenance);
    if (rule.emit === 'awaitVerdict') waitingAlerts.push({ alertId: row.AlertId as string, row, firstSeen });
    else rows.push(row);
  }
  return { recordsSeen: parsed.length, rows, waitingAlerts, verdicts, quarantined, dropped, unparsedData };
}
