/**
 * The KQL functions shipped with the telemetry table: pipeline health charted in the same database and language as
 * the alerts. Each takes an optional look-back (default 7 days) and returns one row per tenant, content type and
 * time bin (or per event), ready for `| render timechart`. They use only operators the local Kusto endpoint also
 * executes (where, summarize with bin/arg_max, project, order), so the same text is tested locally and runs on Azure.
 * Created by the deployer's setup (setup.ts) together with the alerts table's functions.
 */
import { assertIdentifier, cslString } from './kql';
import { KUSTO_FOLDER } from './table-commands';

export interface TelemetryFunction {
  readonly name: string;
  /** The parameter list with its parentheses, e.g. `(lookback:timespan = 7d)`. */
  readonly parameters: string;
  readonly docstring: string;
  /** The function body, without braces. */
  readonly body: string;
}

/** Names of the shipped telemetry functions, derived from the telemetry table name like the alerts functions. */
export function telemetryFunctionNames(telemetryTable: string): {
  lag: string;
  rowsPerHour: string;
  failures: string;
  dataLoss: string;
  parked: string;
  latest: string;
} {
  const t = assertIdentifier(telemetryTable, 'Telemetry table name');
  return {
    lag: `${t}Lag`,
    rowsPerHour: `${t}RowsPerHour`,
    failures: `${t}Failures`,
    dataLoss: `${t}DataLoss`,
    parked: `${t}Parked`,
    latest: `${t}Latest`,
  };
}

const LOOKBACK = '(lookback:timespan = 7d)';

/** The telemetry functions, in creation order. */
export function telemetryFunctions(telemetryTable: string): TelemetryFunction[] {
  const t = assertIdentifier(telemetryTable, 'Telemetry table name');
  const names = telemetryFunctionNames(t);
  const recent = `${t} | where Timestamp > ago(lookback)`;
  return [
    {
      name: names.lag,
      parameters: LOOKBACK,
      docstring:
        'Lag of the live loop over time: the largest LagMinutes (checkpoint behind now) per tenant, content type and 15 minutes.',
      body:
        `${recent} | where RunKind == "live" ` +
        `| summarize LagMinutes = max(LagMinutes), Runs = count() by TenantId, ContentType, Timestamp = bin(Timestamp, 15m) ` +
        `| order by Timestamp asc`,
    },
    {
      name: names.rowsPerHour,
      parameters: LOOKBACK,
      docstring:
        'Records read, rows selected and rows handed to Kusto per hour (by run end), per tenant and content type.',
      body:
        `${recent} ` +
        `| summarize RecordsSeen = sum(RecordsSeen), SelectedRows = sum(SelectedRows), Ingested = sum(Ingested), ` +
        `Released = sum(Released), DuplicateRecords = sum(DuplicateRecords) by TenantId, ContentType, Timestamp = bin(Timestamp, 1h) ` +
        `| order by Timestamp asc`,
    },
    {
      name: names.failures,
      parameters: LOOKBACK,
      docstring:
        'Window runs that failed, newest first, with the error; Throttled and ServerErrors count what the Management API answered.',
      body:
        `${recent} | where Outcome == "failed" ` +
        `| project Timestamp, TenantId, ContentType, RunKind, RunId, WindowStart, WindowEnd, Attempt, Error, Throttled, ServerErrors ` +
        `| order by Timestamp desc`,
    },
    {
      name: names.dataLoss,
      parameters: LOOKBACK,
      docstring:
        'Runs that gave up content: blobs that expired while parked (DataLossBlobs), newest first. Should be empty.',
      body:
        `${recent} | where DataLossBlobs > 0 ` +
        `| project Timestamp, TenantId, ContentType, RunKind, RunId, WindowStart, WindowEnd, DataLossBlobs, Error ` +
        `| order by Timestamp desc`,
    },
    {
      name: names.parked,
      parameters: LOOKBACK,
      docstring:
        'Parked blobs over time per tenant and content type: set size, newly parked, and the fewest hours left before one expires.',
      body:
        `${recent} ` +
        `| summarize ParkedTotal = max(ParkedTotal), NewlyParked = sum(ParkedBlobs), ` +
        `HoursToNextParkedExpiry = min(HoursToNextParkedExpiry) by TenantId, ContentType, Timestamp = bin(Timestamp, 1h) ` +
        `| order by Timestamp asc`,
    },
    {
      name: names.latest,
      parameters: '()',
      docstring:
        'The latest run of each tenant, content type and run kind: current lag, outcome, parked set.',
      body: `${t} | summarize arg_max(Timestamp, *) by TenantId, ContentType, RunKind`,
    },
  ];
}

export function createTelemetryFunctionCommand(fn: TelemetryFunction): string {
  return (
    `.create-or-alter function with (folder=${cslString(KUSTO_FOLDER)}, docstring=${cslString(fn.docstring)}) ` +
    `${assertIdentifier(fn.name, 'Function name')}${fn.parameters} { ${fn.body} }`
  );
}

/** The `.create-or-alter function` commands for every telemetry function: the list the setup includes. */
export function telemetryFunctionCommands(telemetryTable: string): string[] {
  return telemetryFunctions(telemetryTable).map(createTelemetryFunctionCommand);
}
