/** The Kusto sink's public surface; the pipeline imports from here. */
export {
  KustoSink,
  DEFAULT_REPORT_DRAIN,
  type IngestResult,
  type KustoSettings,
  type KustoSinkOptions,
} from './sink';
export { KustoPermissionError, KustoRequestError, KustoSetupError, SETUP_HINT } from './errors';
export { ALERT_COLUMNS, type AlertRow, type ColumnDefinition } from './schema';
export { DEFAULT_TELEMETRY_TABLE, TELEMETRY_COLUMNS, type TelemetryRow } from './telemetry-schema';
export {
  createMergeTableCommand,
  createMappingCommand,
  jsonIngestionMapping,
  mappingNameFor,
  type JsonMappingEntry,
} from './table-commands';
export {
  awaitingSocFunctionName,
  latestInvestigationsFunctionName,
  shippedFunctions,
  VERDICTS_AWAITING_SOC,
} from './functions';
export { telemetryFunctionNames, telemetryFunctions, telemetryFunctionCommands } from './telemetry-functions';
export {
  applyKustoSetup,
  kustoSetupCommands,
  DEFAULT_BATCHING_SECONDS,
  type ApplyKustoSetupOptions,
  type SetupClient,
} from './setup';
export { ALREADY_INGESTED_CODE, type IngestionReport } from './reports';
export { sourceIdFor, ingestByTag } from './batch';
export type { IngestionMode } from './ingestion';
