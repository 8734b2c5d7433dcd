/**
 * Selection rules: the SOC's filter as data, so another alert is onboarded by editing ALERT_RULES and
 * rewinding, never by a release.
 *
 * A rule says which records it wants (`match`: every listed field must hold one of the listed values; `matchAny`:
 * additionally at least one of these field sets must hold) and what to do with them (`emit`). Rules are tried in
 * order and the first match wins. Field names are the audit record's own (`Severity`, `Name`, `RecordType`, ...);
 * `Data.X` reads the record's Data after parsing its JSON string; a dotted path walks nested objects, and a path that
 * reaches an array matches when any element does. Strings compare exactly (case-sensitive), numbers also match their
 * string form (RecordType arrives as 40 or "40"). The one exception is `Status`: AIR's documentation and exports spell
 * the same status with different casing ("No threats found" / "No Threats Found") and stray spaces, so `Status`
 * compares case-insensitively after trimming, in every rule.
 *
 * A `verdict` rule also follows its investigations: once one update of an investigation is selected, every later
 * update of it that the rule would match but for its Status (a terminal status, "Running" after an approval, a status
 * this code does not know) is ingested too, so the table's latest state per investigation is the real one.
 */
import { readFileSync } from 'node:fs';

export type MatchValue = string | number | boolean;
/** Field path → accepted values (one of them must be present). */
export type FieldMatch = Record<string, MatchValue[]>;

/**
 * - `row`: ingest the record now.
 * - `verdict`: ingest the record now and offer its Status as the verdict for every alert it references
 *   (AIR investigations, RecordType 64).
 * - `awaitVerdict`: hold the alert (RecordType 40) until a `verdict` record references its AlertId.
 */
export type RuleEmit = 'row' | 'awaitVerdict' | 'verdict';
export const RULE_EMITS: readonly RuleEmit[] = ['row', 'awaitVerdict', 'verdict'];

export interface Rule {
  /** Unique; written to the SelectedBy column. */
  name: string;
  description?: string;
  match: FieldMatch;
  matchAny?: FieldMatch[];
  emit: RuleEmit;
}

/** The normalised, JSON-serialisable rule set the selection runs (the default set expanded, order final). */
export interface RuleSet {
  name: string;
  rules: Rule[];
}

export const USER_REPORTED_ALERT_NAME = 'Email reported by user as malware or phish';

/** AIR investigation statuses that mean "the playbook has reached a verdict". */
export const DEFAULT_PROCESSED_STATUSES: readonly string[] = [
  'No threats found',
  'Threats Found',
  'Pending Action',
  'Remediated',
  'Partially Remediated',
];

/**
 * Statuses that end an investigation without a verdict: AIR failed, was stopped by the service (or its throttling),
 * or an admin stopped it. The default rules select them like verdicts, so an alert whose investigation ends this way
 * without ever reaching a verdict is released carrying that status (the SOC must look at it by hand) instead of
 * waiting out its hold; an alert whose investigation had a verdict first carries that verdict.
 */
export const TERMINAL_STATUSES: readonly string[] = [
  'Failed',
  'Terminated by System',
  'Terminated by throttling',
  'Terminated By User',
];

/** Statuses of an investigation still under way. */
export const INTERIM_STATUSES: readonly string[] = ['Starting', 'Investigation Started', 'Running', 'Queued'];

/** A status as compared: trimmed and lower-cased ("No Threats Found " and "No threats found" are one status). */
export function statusKey(status: string): string {
  return status.trim().toLowerCase();
}

const KNOWN_STATUS_KEYS: ReadonlySet<string> = new Set(
  [...DEFAULT_PROCESSED_STATUSES, ...TERMINAL_STATUSES, ...INTERIM_STATUSES].map(statusKey),
);

const TERMINAL_STATUS_KEYS: ReadonlySet<string> = new Set(TERMINAL_STATUSES.map(statusKey));

/** Whether the status ends an investigation without a verdict (any casing, trimmed). */
export function isTerminalStatus(status: string): boolean {
  return TERMINAL_STATUS_KEYS.has(statusKey(status));
}

/** Whether AIR documents this status (any casing); an unknown one is kept as data and counted. */
export function isKnownAirStatus(status: string): boolean {
  return KNOWN_STATUS_KEYS.has(statusKey(status));
}

export const DEFAULT_RULE_SET_NAME = 'AIR-processed user-reported phish';

/**
 * The default set, optionally with another processed-status list (e.g. without "No threats found"). The terminal
 * statuses are always added: an investigation that ends without a verdict still releases its alerts.
 */
export function defaultRuleSet(processedStatuses: readonly string[] = DEFAULT_PROCESSED_STATUSES): RuleSet {
  const statuses = [...processedStatuses];
  for (const t of TERMINAL_STATUSES) {
    if (!statuses.some((s) => statusKey(s) === statusKey(t))) statuses.push(t);
  }
  return {
    name: DEFAULT_RULE_SET_NAME,
    rules: [
      {
        name: 'air-processed-user-reported-investigation',
        description:
          'AIR investigations triggered by a user-reported message, once processed or ended; their Status is the verdict. Later updates of a selected investigation follow it whatever their Status.',
        match: { RecordType: [64], Status: statuses },
        matchAny: [
          { 'Data.AlertDisplayName': [USER_REPORTED_ALERT_NAME] },
          { InvestigationType: ['SubmissionInvestigation'] },
        ],
        emit: 'verdict',
      },
      {
        name: 'user-reported-phish-alert',
        description:
          'User-reported phishing alerts, released with the verdict of the investigation that processed them.',
        match: { RecordType: [40], Name: [USER_REPORTED_ALERT_NAME] },
        emit: 'awaitVerdict',
      },
    ],
  };
}

/** ALERT_RULES could not be used; `problems` says what to fix, each with its place in the document. */
export class AlertRulesError extends Error {
  constructor(readonly problems: string[]) {
    super(`ALERT_RULES is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AlertRulesError';
  }
}

/**
 * Reads ALERT_RULES: undefined or blank → the default set; text starting with `{` or `[` → inline JSON; anything
 * else → a path to a JSON file. Accepted documents:
 * - `[rule, ...]` — exactly these rules;
 * - `{ "name"?, "rules"?: [rule, ...], "includeDefaultRules"?: boolean, "processedStatuses"?: [string, ...] }` —
 *   `includeDefaultRules` defaults to true when `rules` is absent and false when present; the default rules come
 *   first and use `processedStatuses` when given.
 */
export function loadRuleSet(setting: string | undefined): RuleSet {
  const text = setting?.trim();
  if (!text) return defaultRuleSet();
  let json: string;
  let origin: string;
  if (text.startsWith('{') || text.startsWith('[')) {
    json = text;
    origin = 'inline JSON';
  } else {
    try {
      json = readFileSync(text, 'utf8');
    } catch (e) {
      throw new AlertRulesError([
        `it is neither inline JSON (starting with { or [) nor a readable file: cannot read "${text}" (${(e as NodeJS.ErrnoException).code ?? String(e)}).`,
      ]);
    }
    origin = `file ${text}`;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new AlertRulesError([`${origin} is not valid JSON: ${(e as Error).message}.`]);
  }
  return validateRuleDocument(doc);
}

const RULE_KEYS = new Set(['name', 'description', 'match', 'matchAny', 'emit']);
const DOC_KEYS = new Set(['name', 'rules', 'includeDefaultRules', 'processedStatuses']);

/** Validates a parsed ALERT_RULES document and returns the normalised set; throws {@link AlertRulesError}. */
export function validateRuleDocument(doc: unknown): RuleSet {
  const problems: string[] = [];
  let name = 'custom rules';
  let ownRules: unknown[] = [];
  let includeDefault = false;
  let statuses: string[] | undefined;
  if (Array.isArray(doc)) {
    ownRules = doc;
  } else if (isPlainObject(doc)) {
    for (const k of Object.keys(doc)) {
      if (!DOC_KEYS.has(k)) problems.push(`unknown key "${k}": expected ${[...DOC_KEYS].join(', ')}.`);
    }
    if (doc.name !== undefined) {
      if (typeof doc.name === 'string' && doc.name.trim()) name = doc.name;
      else problems.push('name must be a non-empty string.');
    }
    if (doc.rules !== undefined && !Array.isArray(doc.rules))
      problems.push('rules must be an array of rules.');
    ownRules = Array.isArray(doc.rules) ? doc.rules : [];
    if (doc.includeDefaultRules !== undefined && typeof doc.includeDefaultRules !== 'boolean') {
      problems.push('includeDefaultRules must be true or false.');
    }
    includeDefault =
      typeof doc.includeDefaultRules === 'boolean' ? doc.includeDefaultRules : doc.rules === undefined;
    if (doc.processedStatuses !== undefined) {
      if (!isNonEmptyStringArray(doc.processedStatuses)) {
        problems.push('processedStatuses must be a non-empty array of AIR investigation statuses (strings).');
      } else if (!includeDefault) {
        problems.push(
          'processedStatuses only applies to the default rules: set "includeDefaultRules": true, or list Status in your own rules.',
        );
      } else statuses = doc.processedStatuses;
    }
    if (doc.name === undefined && includeDefault && ownRules.length === 0) name = DEFAULT_RULE_SET_NAME;
  } else {
    problems.push('expected a JSON array of rules or an object with "rules".');
  }

  const rules: Rule[] = includeDefault ? defaultRuleSet(statuses).rules : [];
  ownRules.forEach((r, i) => {
    const rule = validateRule(r, `rules[${i}]`, problems);
    if (rule) rules.push(rule);
  });
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.name))
      problems.push(`rule name "${r.name}" is used twice: names must be unique (SelectedBy).`);
    seen.add(r.name);
  }
  if (problems.length === 0 && rules.length === 0) {
    problems.push('no rules: give at least one rule, or leave ALERT_RULES unset for the default set.');
  }
  if (problems.length > 0) throw new AlertRulesError(problems);
  return { name, rules };
}

function validateRule(r: unknown, at: string, problems: string[]): Rule | undefined {
  if (!isPlainObject(r)) {
    problems.push(`${at} must be an object with name, match and emit.`);
    return undefined;
  }
  const before = problems.length;
  for (const k of Object.keys(r)) {
    if (!RULE_KEYS.has(k))
      problems.push(`${at} has unknown key "${k}": expected ${[...RULE_KEYS].join(', ')}.`);
  }
  if (typeof r.name !== 'string' || !r.name.trim()) problems.push(`${at}.name must be a non-empty string.`);
  if (r.description !== undefined && typeof r.description !== 'string') {
    problems.push(`${at}.description must be a string.`);
  }
  if (!RULE_EMITS.includes(r.emit as RuleEmit)) {
    problems.push(
      `${at}.emit must be one of ${RULE_EMITS.map((e) => `"${e}"`).join(', ')}, got ${JSON.stringify(r.emit)}.`,
    );
  }
  const match = validateFieldMatch(r.match, `${at}.match`, problems, false);
  let matchAny: FieldMatch[] | undefined;
  if (r.matchAny !== undefined) {
    if (!Array.isArray(r.matchAny) || r.matchAny.length === 0) {
      problems.push(`${at}.matchAny must be a non-empty array of field matches.`);
    } else {
      matchAny = r.matchAny.map(
        (m, j) => validateFieldMatch(m, `${at}.matchAny[${j}]`, problems, true) ?? {},
      );
    }
  }
  if (match && (r.emit === 'verdict' || r.emit === 'awaitVerdict')) {
    const need = r.emit === 'verdict' ? 64 : 40;
    const rt = match.RecordType;
    if (!rt || rt.length !== 1 || Number(rt[0]) !== need) {
      problems.push(
        `${at}: emit "${r.emit}" needs "RecordType": [${need}] in match (${need === 64 ? 'AIR investigations carry the verdict' : 'alerts wait by AlertId'}).`,
      );
    }
  }
  if (problems.length > before || !match) return undefined;
  const rule: Rule = { name: r.name as string, match, emit: r.emit as RuleEmit };
  if (typeof r.description === 'string') rule.description = r.description;
  if (matchAny) rule.matchAny = matchAny;
  return rule;
}

/** Path segments that name JavaScript object internals, not record fields; a rule on them could never match data. */
const RESERVED_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function validateFieldMatch(
  m: unknown,
  at: string,
  problems: string[],
  requireNonEmpty: boolean,
): FieldMatch | undefined {
  if (!isPlainObject(m)) {
    problems.push(
      `${at} must be an object of field → [accepted values], e.g. { "RecordType": [40], "Severity": ["High"] }.`,
    );
    return undefined;
  }
  const out: FieldMatch = {};
  const keys = Object.keys(m);
  if (requireNonEmpty && keys.length === 0) problems.push(`${at} must name at least one field.`);
  for (const field of keys) {
    const values = m[field];
    if (field.split('.').some((s) => RESERVED_SEGMENTS.has(s))) {
      problems.push(
        `${at} has field path "${field}": ${[...RESERVED_SEGMENTS].join(', ')} are not audit record fields and cannot be matched.`,
      );
      continue;
    }
    if (field.split('.').some((s) => s.trim() === '')) {
      problems.push(
        `${at} has an invalid field path "${field}": use names separated by single dots, e.g. "Data.AlertDisplayName".`,
      );
      continue;
    }
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      !values.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    ) {
      problems.push(
        `${at}["${field}"] must be a non-empty array of strings, numbers or booleans, got ${JSON.stringify(values)}.`,
      );
      continue;
    }
    out[field] = values as MatchValue[];
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonEmptyStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0);
}
