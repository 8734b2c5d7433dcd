/**
 * The management commands that create the pipeline's tables, derived from a column list ({@link ALERT_COLUMNS},
 * TELEMETRY_COLUMNS) so a table, its JSON ingestion mapping and the serialized rows can never disagree. All of them
 * are idempotent: `.create-merge` only adds missing columns, `.create-or-alter` replaces the mapping and functions
 * with the same text, `.alter ... policy` sets the same policy again.
 */
import { Duration } from 'luxon';
import { ALERT_COLUMNS, type ColumnDefinition } from './schema';
import { assertIdentifier, cslString } from './kql';

/** Folder the table and its functions appear under in the Azure Data Explorer web UI. */
export const KUSTO_FOLDER = 'O365AlertPipeline';

export const ALERTS_TABLE_DOCSTRING =
  'Office 365 alerts selected by o365-alert-pipeline (AIR-processed user-reported phish by default), one row per audit record.';

export const TELEMETRY_TABLE_DOCSTRING =
  'o365-alert-pipeline health: one row per window run (content type, window, attempt) with its counters, stage durations and latency.';

/** One entry of a JSON ingestion mapping, in the lower-case casing `.create-or-alter ... mapping` accepts. */
export interface JsonMappingEntry {
  readonly column: string;
  readonly path: string;
  readonly datatype: string;
}

/** The mapping name ingestion refers to; one per table so several tables can share a database. */
export function mappingNameFor(table: string): string {
  return `${assertIdentifier(table, 'Table name')}_json_mapping`;
}

/** `.create-merge table` with every schema column in schema order, plus folder and doc string. */
export function createMergeTableCommand(
  table: string,
  columns: readonly ColumnDefinition[] = ALERT_COLUMNS,
  docstring: string = ALERTS_TABLE_DOCSTRING,
): string {
  const list = columns.map((c) => `${assertIdentifier(c.name, 'Column name')}:${c.type}`).join(', ');
  return (
    `.create-merge table ${assertIdentifier(table, 'Table name')} (${list}) ` +
    `with (folder=${cslString(KUSTO_FOLDER)}, docstring=${cslString(docstring)})`
  );
}

/**
 * Each column read from the top-level property of the same name. Rows are serialized with exactly these property
 * names (see batch.ts), so the mapping is the identity and a renamed column cannot silently load nulls.
 */
export function jsonIngestionMapping(
  columns: readonly ColumnDefinition[] = ALERT_COLUMNS,
): JsonMappingEntry[] {
  return columns.map((c) => ({
    column: c.name,
    path: `$.${assertIdentifier(c.name, 'Column name')}`,
    datatype: c.type,
  }));
}

export function createMappingCommand(
  table: string,
  columns: readonly ColumnDefinition[] = ALERT_COLUMNS,
): string {
  const mapping = JSON.stringify(jsonIngestionMapping(columns));
  return (
    `.create-or-alter table ${assertIdentifier(table, 'Table name')} ingestion json mapping ` +
    `${cslString(mappingNameFor(table))} ${cslString(mapping)}`
  );
}

/** Real clusters refuse streaming ingestion into a table until this policy is set (it is per table). */
export function enableStreamingCommand(table: string): string {
  return `.alter table ${assertIdentifier(table, 'Table name')} policy streamingingestion enable`;
}

/**
 * How long queued ingestion may hold a table's data before sealing a batch. The service default (5 minutes) makes
 * queued alerts late; the pipeline sets its own (KUSTO_BATCHING_SECONDS). The item and size limits stay at the
 * service defaults: the policy command replaces the whole policy, so they are written out.
 */
export function batchingPolicyCommand(table: string, seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 10)
    throw new Error(
      `The ingestion batching time must be a whole number of seconds, at least 10; got ${seconds}.`,
    );
  const policy = {
    MaximumBatchingTimeSpan: Duration.fromObject({ seconds }).toFormat('hh:mm:ss'),
    MaximumNumberOfItems: 500,
    MaximumRawDataSizeMB: 1024,
  };
  return (
    `.alter table ${assertIdentifier(table, 'Table name')} policy ingestionbatching ` +
    cslString(JSON.stringify(policy))
  );
}

/** Read-only (Viewer): the table's columns and types, as JSON. */
export function showSchemaCommand(table: string): string {
  return `.show table ${assertIdentifier(table, 'Table name')} schema as json`;
}

/** Read-only (Viewer): the table's JSON ingestion mappings. */
export function showMappingsCommand(table: string): string {
  return `.show table ${assertIdentifier(table, 'Table name')} ingestion json mappings`;
}

/** Read-only (Viewer): whether streaming ingestion is enabled on the table. */
export function showStreamingPolicyCommand(table: string): string {
  return `.show table ${assertIdentifier(table, 'Table name')} policy streamingingestion`;
}
