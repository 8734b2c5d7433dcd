/**
 * The telemetry table, defined once like the alerts table in schema.ts: one row per window run (one content type of
 * one window attempt, live loop or rewind). Its `.create-merge` command, JSON mapping, the row type the pipeline fills
 * and the shipped health functions (telemetry-functions.ts) all derive from {@link TELEMETRY_COLUMNS}.
 */
import type { ColumnDefinition, RowOf } from './schema';

/** Table name when KUSTO_TELEMETRY_TABLE is unset. */
export const DEFAULT_TELEMETRY_TABLE = 'O365PipelineRuns';

export const TELEMETRY_COLUMNS = [
  { name: 'Timestamp', type: 'datetime', doc: 'When the run ended (UTC).' },
  { name: 'TenantId', type: 'string', doc: 'Tenant whose audit content the run read.' },
  { name: 'TenantName', type: 'string', doc: 'Display name of that tenant.' },
  {
    name: 'RunId',
    type: 'string',
    doc: 'Instance id of the live loop or of the rewind that ran the window.',
  },
  { name: 'RunKind', type: 'string', doc: "'live' (the loop) or 'rewind'." },
  { name: 'ContentType', type: 'string', doc: 'Management API content type, e.g. Audit.General.' },
  { name: 'WindowStart', type: 'datetime', doc: 'Start of the window.' },
  { name: 'WindowEnd', type: 'datetime', doc: 'End of the window.' },
  { name: 'Attempt', type: 'int', doc: 'Attempt number of this window (1 = first).' },
  { name: 'Outcome', type: 'string', doc: "'done' or 'failed'." },
  { name: 'Error', type: 'string', doc: 'Why the run failed (empty when done).' },
  { name: 'DurationSeconds', type: 'real', doc: 'Wall time of the run.' },
  { name: 'LagMinutes', type: 'real', doc: 'How far the checkpoint was behind now when the run ended.' },
  { name: 'Listed', type: 'long', doc: 'Content blobs listed.' },
  { name: 'Fetched', type: 'long', doc: 'Content blobs fetched.' },
  { name: 'RecordsSeen', type: 'long', doc: 'Audit records read.' },
  { name: 'SelectedRows', type: 'long', doc: 'Rows the selection rules kept.' },
  { name: 'Released', type: 'long', doc: 'Held alerts released by their investigation in this run.' },
  { name: 'PendingAlerts', type: 'long', doc: 'Alerts still waiting for their investigation after the run.' },
  { name: 'Ingested', type: 'long', doc: 'Rows handed to Kusto.' },
  { name: 'DuplicateRecords', type: 'long', doc: 'Records skipped because their Id was already ingested.' },
  { name: 'MalformedBlobs', type: 'long', doc: 'Blobs quarantined as unreadable.' },
  { name: 'MalformedRecords', type: 'long', doc: 'Records quarantined as malformed.' },
  { name: 'ParkedBlobs', type: 'long', doc: 'Blobs newly parked in this run.' },
  { name: 'ParkedTotal', type: 'long', doc: 'Size of the parked set after the run.' },
  {
    name: 'HoursToNextParkedExpiry',
    type: 'real',
    doc: 'Hours until the first parked blob expires (null when none is parked).',
  },
  { name: 'DataLossBlobs', type: 'long', doc: 'Blobs given up (expired while parked) in this run.' },
  { name: 'Throttled', type: 'long', doc: 'Management API answers 429 seen.' },
  { name: 'ServerErrors', type: 'long', doc: 'Management API answers 5xx seen.' },
  { name: 'Counts', type: 'dynamic', doc: 'Every counter of the run, by name.' },
  {
    name: 'StageSeconds',
    type: 'dynamic',
    doc: 'Seconds per stage: {subscribe, list, fetch, correlate, ingest, record}.',
  },
  {
    name: 'Latency',
    type: 'dynamic',
    doc:
      'Per-stage latency {creationToContentCreated, contentCreatedToListed, listedToFetched, fetchedToHanded, ' +
      'handedToQueryable}, each {p50, p95, max} in seconds; a stage is absent when not measured.',
  },
] as const satisfies readonly ColumnDefinition[];

export type TelemetryColumnName = (typeof TELEMETRY_COLUMNS)[number]['name'];

/** One telemetry row, as ingested (JSON). Columns not filled are null. */
export type TelemetryRow = RowOf<typeof TELEMETRY_COLUMNS>;
