/**
 * src/alerts — the record model, the declarative selection rules, AIR correlation and the mapping to table rows.
 * Pure and synchronous (the one exception: loadRuleSet reads ALERT_RULES' file once at start-up).
 */
export type { Provenance, PendingAlert, AirVerdict, BlobSelection, CorrelationState } from './types';
export {
  loadRuleSet,
  validateRuleDocument,
  defaultRuleSet,
  AlertRulesError,
  DEFAULT_PROCESSED_STATUSES,
  TERMINAL_STATUSES,
  INTERIM_STATUSES,
  isKnownAirStatus,
  isTerminalStatus,
  statusKey,
  DEFAULT_RULE_SET_NAME,
  USER_REPORTED_ALERT_NAME,
  RULE_EMITS,
} from './rules';
export type { RuleSet, Rule, RuleEmit, FieldMatch, MatchValue } from './rules';
export { selectFromContent, MalformedContentError, MAX_NESTING } from './select';
export { correlate, emptyCorrelationState, VERDICT_RETENTION, VERDICT_RETENTION_MS } from './correlation';
export type { CorrelationCounts, CorrelationResult } from './correlation';
export { toAlertRow } from './row';
export {
  parseAuditRecord,
  recordProblem,
  rowTimeProblem,
  parseData,
  parseActions,
  coerceRecordType,
  RECORD_TYPE_AIR_INVESTIGATION,
  RECORD_TYPE_SECURITY_COMPLIANCE_ALERTS,
} from './record';
export type {
  AuditRecord,
  SecurityComplianceAlertRecord,
  AirInvestigationRecord,
  OtherAuditRecord,
  AirAction,
  RawRecord,
} from './record';
export { toUtcIso } from './time';
