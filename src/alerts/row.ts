/**
 * Audit record → table row. Every column of src/kusto/schema.ts is filled (null when the record lacks it), so the
 * ingestion mapping never meets a missing property. Columns share the record's field names, which keeps the mapping
 * generic: an onboarded record kind fills whatever columns it has without code here.
 */
import type { AlertRow } from '../kusto/schema';
import {
  RECORD_TYPE_AIR_INVESTIGATION,
  parseActions,
  type AirAction,
  rowTimes,
  type AuditRecord,
  type RawRecord,
  type RowTimes,
} from './record';
import { toUtcIso } from './time';
import type { Provenance } from './types';

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** Provenance with its times as ISO with Z, computed once per blob rather than once per row. */
export function normalizeProvenance(p: Provenance): Provenance {
  return {
    contentType: p.contentType,
    contentId: p.contentId,
    contentCreated: toUtcIso(p.contentCreated) ?? p.contentCreated,
    windowStart: toUtcIso(p.windowStart) ?? p.windowStart,
    windowEnd: toUtcIso(p.windowEnd) ?? p.windowEnd,
  };
}

/**
 * The row from a record's raw fields and its already-parsed Data and Actions (the selection parses each once and
 * hands them over). `provenance` must be normalised ({@link normalizeProvenance}).
 */
export function buildRow(
  r: RawRecord,
  recordType: number,
  creationTime: string,
  times: RowTimes,
  data: unknown,
  actions: AirAction[] | null,
  selectedBy: string,
  provenance: Provenance,
): AlertRow {
  const air = recordType === RECORD_TYPE_AIR_INVESTIGATION;
  // Built as one literal in column order: one object shape for every row.
  return {
    Id: r.Id as string,
    RecordType: recordType,
    CreationTime: creationTime,
    Operation: text(r.Operation),
    OrganizationId: text(r.OrganizationId),
    // Filled at ingestion from the tenant's display name.
    TenantName: null,
    Workload: text(r.Workload),
    ResultStatus: text(r.ResultStatus),
    UserKey: text(r.UserKey),
    ObjectId: text(r.ObjectId),
    Name: text(r.Name),
    Severity: text(r.Severity),
    Category: text(r.Category),
    Status: text(r.Status),
    Source: text(r.Source),
    Comments: text(r.Comments),
    AlertId: text(r.AlertId),
    PolicyId: text(r.PolicyId),
    InvestigationType: text(r.InvestigationType),
    InvestigationName: text(r.InvestigationName),
    InvestigationId: text(r.InvestigationId),
    StartTimeUtc: times.start,
    LastUpdateTimeUtc: times.lastUpdate,
    EndTimeUtc: times.end,
    DeepLinkUrl: text(r.DeepLinkUrl) ?? text(r.DeeplinkURL) ?? text(r.DeepLinkURL),
    Data: data ?? null,
    Actions: actions,
    // An investigation row carries its own verdict, so "latest state per investigation" needs no join.
    AirInvestigationId: air && typeof r.InvestigationId === 'string' ? r.InvestigationId : null,
    AirVerdict: air && typeof r.Status === 'string' ? r.Status : null,
    SelectedBy: selectedBy,
    ContentType: provenance.contentType,
    ContentId: provenance.contentId,
    ContentCreated: provenance.contentCreated,
    WindowStart: provenance.windowStart,
    WindowEnd: provenance.windowEnd,
  };
}

const NO_TIMES: RowTimes = { start: null, lastUpdate: null, end: null };

/** The row for a selected record; `selectedBy` is the rule name. AIR columns stay null unless the caller sets them. */
export function toAlertRow(record: AuditRecord, selectedBy: string, provenance: Provenance): AlertRow {
  const r = record.raw;
  const actions =
    r.Actions === undefined || r.Actions === null
      ? null
      : record.kind === 'AirInvestigation'
        ? record.actions
        : parseActions(r.Actions);
  const times = rowTimes(r);
  return buildRow(
    r,
    record.recordType,
    record.creationTime,
    // A time that is not a valid date-time becomes null here; the selection quarantines such records instead.
    typeof times === 'string' ? NO_TIMES : times,
    record.data,
    actions,
    selectedBy,
    normalizeProvenance(provenance),
  );
}
