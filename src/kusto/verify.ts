/**
 * The app's read-only check of what the deployer's setup created (setup.ts). It runs only commands a database Viewer
 * may run — `.show table T schema as json`, `.show table T ingestion json mappings`, `.show table T policy
 * streamingingestion` — and lists every missing piece, so one message tells the operator what to run.
 */
import { describeServiceFailure, isPermissionDenied, KustoPermissionError } from './errors';
import type { ColumnDefinition } from './schema';
import { ALERT_COLUMNS } from './schema';
import {
  mappingNameFor,
  showMappingsCommand,
  showSchemaCommand,
  showStreamingPolicyCommand,
} from './table-commands';
import { TELEMETRY_COLUMNS } from './telemetry-schema';

export type RunCommand = (command: string) => Promise<Record<string, unknown>[]>;

export interface VerifyTarget {
  readonly table: string;
  readonly telemetryTable: string;
  readonly streaming: boolean;
}

/** Everything missing or different; empty when the database is ready. Throws KustoPermissionError when it cannot read. */
export async function findSetupProblems(target: VerifyTarget, run: RunCommand): Promise<string[]> {
  const problems: string[] = [];
  for (const [table, columns, streaming] of [
    [target.table, ALERT_COLUMNS, target.streaming],
    [target.telemetryTable, TELEMETRY_COLUMNS, false],
  ] as const) {
    problems.push(...(await checkTable(table, columns, streaming, run)));
  }
  return problems;
}

async function read(run: RunCommand, command: string): Promise<Record<string, unknown>[] | undefined> {
  try {
    return await run(command);
  } catch (error) {
    if (error instanceof KustoPermissionError)
      throw new KustoPermissionError(`reading ${command}`, error.status, error.serviceMessage, {
        cause: error,
      });
    const failure = describeServiceFailure(error);
    if (isPermissionDenied(failure))
      throw new KustoPermissionError(`reading ${command}`, failure.status, failure.message, { cause: error });
    // Anything else (the table does not exist, above all) is reported as a missing piece by the caller.
    return undefined;
  }
}

function jsonOf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

async function checkTable(
  table: string,
  columns: readonly ColumnDefinition[],
  streaming: boolean,
  run: RunCommand,
): Promise<string[]> {
  const schemaRows = await read(run, showSchemaCommand(table));
  const schema = jsonOf(schemaRows?.[0]?.Schema) as
    | {
        OrderedColumns?: { Name: string; CslType: string }[];
      }
    | undefined;
  if (!schema?.OrderedColumns) return [`table ${table} does not exist`];
  const problems: string[] = [];
  const present = new Map(schema.OrderedColumns.map((c) => [c.Name, c.CslType]));
  const missing = columns.filter((c) => !present.has(c.name)).map((c) => c.name);
  if (missing.length > 0) problems.push(`table ${table} lacks column(s) ${missing.join(', ')}`);
  for (const c of columns) {
    const type = present.get(c.name);
    if (type !== undefined && type !== c.type)
      problems.push(`column ${table}.${c.name} is ${type}, the pipeline writes ${c.type}`);
  }

  const mappingName = mappingNameFor(table);
  const mappings = (await read(run, showMappingsCommand(table))) ?? [];
  const mapping = mappings.find((m) => m.Name === mappingName);
  const entries = jsonOf(mapping?.Mapping) as Record<string, unknown>[] | undefined;
  if (!mapping || !Array.isArray(entries)) {
    problems.push(`table ${table} has no JSON ingestion mapping ${mappingName}`);
  } else {
    const mapped = new Set(entries.map((e) => String(e.column ?? e.Column ?? '')));
    const unmapped = columns.filter((c) => !mapped.has(c.name)).map((c) => c.name);
    if (unmapped.length > 0)
      problems.push(`ingestion mapping ${mappingName} does not map column(s) ${unmapped.join(', ')}`);
  }

  if (streaming) {
    const policy = jsonOf((await read(run, showStreamingPolicyCommand(table)))?.[0]?.Policy) as
      | {
          IsEnabled?: boolean;
        }
      | null
      | undefined;
    if (policy?.IsEnabled !== true)
      problems.push(
        `table ${table} does not have streaming ingestion enabled (KUSTO_INGESTION_MODE=streaming)`,
      );
  }
  return problems;
}
