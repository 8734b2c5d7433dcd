/** The Kusto sink's public surface; the pipeline imports from here. */
export { KustoSink, type KustoSettings, type KustoSinkOptions } from './sink';
export { KustoPermissionError, KustoRequestError } from './errors';
export { ALERT_COLUMNS, type AlertRow, type AlertColumnName, type ColumnDefinition } from './schema';
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
export type { IngestionMode } from './ingestion';
