/**
 * Audit record → table row. Every column of src/kusto/schema.ts is filled (null when the record lacks it), so the
 * ingestion mapping never meets a missing property. Columns share the record's field names, which keeps the mapping
 * generic: an onboarded record kind fills whatever columns it has without code here.
 */
import type { AlertRow } from '../kusto/schema';
import { parseActions, type AuditRecord } from './record';
import { toUtcIso } from './time';
import type { Provenance } from './types';

/** Plain string columns copied from the record field of the same name. */
const STRING_FIELDS = [
  'Operation',
  'OrganizationId',
  'Workload',
  'ResultStatus',
  'UserKey',
  'ObjectId',
  'Name',
  'Severity',
  'Category',
  'Status',
  'Source',
  'Comments',
  'AlertId',
  'PolicyId',
  'InvestigationType',
  'InvestigationName',
  'InvestigationId',
] as const;

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** The row for a selected record; `selectedBy` is the rule name. AIR columns stay null unless the caller sets them. */
export function toAlertRow(record: AuditRecord, selectedBy: string, provenance: Provenance): AlertRow {
  const r = record.raw;
  const row: AlertRow = {
    Id: record.id,
    RecordType: record.recordType,
    CreationTime: record.creationTime,
    Operation: null,
    OrganizationId: null,
    TenantName: null,
    Workload: null,
    ResultStatus: null,
    UserKey: null,
    ObjectId: null,
    Name: null,
    Severity: null,
    Category: null,
    Status: null,
    Source: null,
    Comments: null,
    AlertId: null,
    PolicyId: null,
    InvestigationType: null,
    InvestigationName: null,
    InvestigationId: null,
    StartTimeUtc: toUtcIso(r.StartTimeUtc),
    LastUpdateTimeUtc: toUtcIso(r.LastUpdateTimeUtc),
    EndTimeUtc: toUtcIso(r.EndTimeUtc),
    DeepLinkUrl: text(r.DeepLinkUrl) ?? text(r.DeeplinkURL) ?? text(r.DeepLinkURL),
    Data: record.data ?? null,
    Actions:
      r.Actions === undefined || r.Actions === null
        ? null
        : record.kind === 'AirInvestigation'
          ? record.actions
          : parseActions(r.Actions),
    AirInvestigationId: null,
    AirVerdict: null,
    SelectedBy: selectedBy,
    ContentType: provenance.contentType,
    ContentId: provenance.contentId,
    ContentCreated: toUtcIso(provenance.contentCreated) ?? provenance.contentCreated,
    WindowStart: toUtcIso(provenance.windowStart) ?? provenance.windowStart,
    WindowEnd: toUtcIso(provenance.windowEnd) ?? provenance.windowEnd,
  };
  for (const f of STRING_FIELDS) row[f] = text(r[f]);
  if (record.kind === 'AirInvestigation') {
    // An investigation row carries its own verdict, so "latest state per investigation" needs no join.
    row.AirInvestigationId = record.investigationId;
    row.AirVerdict = record.status;
  }
  return row;
}
