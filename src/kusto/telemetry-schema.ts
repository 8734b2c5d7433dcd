/**
 * The telemetry table, defined once like the alerts table in schema.ts: one row per window run (one content type of
 * one window attempt, live loop or rewind). Its `.create-merge` command, JSON mapping, the row type the pipeline fills
 * and the shipped health functions (telemetry-functions.ts) all derive from {@link TELEMETRY_COLUMNS}. What each
 * column means is in docs/querying.md ("The telemetry table"); a test keeps that table and this list in step.
 */
import type { ColumnDefinition, RowOf } from './schema';

/** Table name when KUSTO_TELEMETRY_TABLE is unset. */
export const DEFAULT_TELEMETRY_TABLE = 'O365PipelineRuns';

export const TELEMETRY_COLUMNS = [
  { name: 'Timestamp', type: 'datetime' },
  { name: 'TenantId', type: 'string' },
  { name: 'TenantName', type: 'string' },
  { name: 'RunId', type: 'string' },
  { name: 'RunKind', type: 'string' },
  { name: 'ContentType', type: 'string' },
  { name: 'WindowStart', type: 'datetime' },
  { name: 'WindowEnd', type: 'datetime' },
  { name: 'Attempt', type: 'int' },
  { name: 'Outcome', type: 'string' },
  { name: 'Error', type: 'string' },
  { name: 'DurationSeconds', type: 'real' },
  { name: 'LagMinutes', type: 'real' },
  { name: 'Listed', type: 'long' },
  { name: 'Fetched', type: 'long' },
  { name: 'RecordsSeen', type: 'long' },
  { name: 'SelectedRows', type: 'long' },
  { name: 'Released', type: 'long' },
  { name: 'PendingAlerts', type: 'long' },
  { name: 'Ingested', type: 'long' },
  { name: 'DuplicateRecords', type: 'long' },
  { name: 'MalformedBlobs', type: 'long' },
  { name: 'MalformedRecords', type: 'long' },
  { name: 'ParkedBlobs', type: 'long' },
  { name: 'ParkedTotal', type: 'long' },
  { name: 'HoursToNextParkedExpiry', type: 'real' },
  { name: 'DataLossBlobs', type: 'long' },
  { name: 'Throttled', type: 'long' },
  { name: 'ServerErrors', type: 'long' },
  { name: 'Counts', type: 'dynamic' },
  { name: 'StageSeconds', type: 'dynamic' },
  { name: 'Latency', type: 'dynamic' },
] as const satisfies readonly ColumnDefinition[];

/** One telemetry row, as ingested (JSON). Columns not filled are null. */
export type TelemetryRow = RowOf<typeof TELEMETRY_COLUMNS>;
