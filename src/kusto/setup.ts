/**
 * Creating the pipeline's Kusto objects — as the deploying identity, never as the app. The azd `postprovision` hook,
 * `npm run kusto:setup` and the local stack run {@link applyKustoSetup}; the app holds only Ingestor + Viewer and
 * checks the result read-only (`KustoSink.verifyTable`).
 *
 * What is created: the alerts table and its JSON mapping, the telemetry table and its JSON mapping, the ingestion
 * batching policy of both (KUSTO_BATCHING_SECONDS, so queued ingestion is fresh), the streaming policy of the alerts
 * table when KUSTO_INGESTION_MODE=streaming (telemetry is always queued), and every shipped function (alerts and
 * telemetry). Every command is idempotent (`.create-merge`, `.create-or-alter`, `.alter ... policy`), so running the
 * setup again after an upgrade adds what is new and changes nothing else.
 */
import type { TokenCredential } from '@azure/identity';
import { Client as KustoClient } from 'azure-kusto-data';
import type { Config } from '../config';
import { connectionFor, credentialFor } from './connection';
import { toKustoError } from './errors';
import { createFunctionCommand, shippedFunctions } from './functions';
import { ALERT_COLUMNS } from './schema';
import {
  ALERTS_TABLE_DOCSTRING,
  batchingPolicyCommand,
  createMappingCommand,
  createMergeTableCommand,
  enableStreamingCommand,
  TELEMETRY_TABLE_DOCSTRING,
} from './table-commands';
import { telemetryFunctionCommands } from './telemetry-functions';
import { DEFAULT_TELEMETRY_TABLE, TELEMETRY_COLUMNS } from './telemetry-schema';

export type KustoSettings = Config['kusto'];

/** Batching time when the settings give none (KUSTO_BATCHING_SECONDS' default). */
export const DEFAULT_BATCHING_SECONDS = 30;

export function telemetryTableOf(settings: Pick<KustoSettings, 'telemetryTable'>): string {
  return settings.telemetryTable ?? DEFAULT_TELEMETRY_TABLE;
}

/** Every command, in an order where each one's dependencies come first (tables, mappings, policies, functions). */
export function kustoSetupCommands(
  settings: Pick<KustoSettings, 'table' | 'telemetryTable' | 'batchingSeconds' | 'ingestionMode'>,
): string[] {
  const alerts = settings.table;
  const telemetry = telemetryTableOf(settings);
  if (alerts === telemetry)
    throw new Error(`The telemetry table must differ from the alerts table (both are "${alerts}").`);
  const seconds = settings.batchingSeconds ?? DEFAULT_BATCHING_SECONDS;
  return [
    createMergeTableCommand(alerts, ALERT_COLUMNS, ALERTS_TABLE_DOCSTRING),
    createMappingCommand(alerts, ALERT_COLUMNS),
    batchingPolicyCommand(alerts, seconds),
    ...(settings.ingestionMode === 'streaming' ? [enableStreamingCommand(alerts)] : []),
    createMergeTableCommand(telemetry, TELEMETRY_COLUMNS, TELEMETRY_TABLE_DOCSTRING),
    createMappingCommand(telemetry, TELEMETRY_COLUMNS),
    batchingPolicyCommand(telemetry, seconds),
    ...shippedFunctions(alerts).map(createFunctionCommand),
    ...telemetryFunctionCommands(telemetry),
  ];
}

/** The part of azure-kusto-data's Client the setup uses (so a hook or test can inject its own). */
export interface SetupClient {
  executeMgmt(database: string, command: string): Promise<unknown>;
}

export interface ApplyKustoSetupOptions {
  /**
   * The deploying identity. Default: none for the local endpoint, DefaultAzureCredential (Azure CLI / azd login,
   * environment, ...) for a cluster. The app's managed identity setting is deliberately not used: it lacks Admin.
   */
  credential?: TokenCredential;
  /** Used instead of a client built from the settings; not closed here. */
  client?: SetupClient;
  /** One line per command applied (the command's first words, never its full text). */
  log?: (line: string) => void;
}

/** Runs every setup command against the settings' cluster and database; idempotent. */
export async function applyKustoSetup(
  settings: KustoSettings,
  options: ApplyKustoSetupOptions = {},
): Promise<{ applied: number }> {
  const commands = kustoSetupCommands(settings);
  let owned: KustoClient | undefined;
  const client =
    options.client ??
    (owned = new KustoClient(
      connectionFor(
        settings.clusterUrl,
        settings.database,
        credentialFor(settings.clusterUrl, undefined, options.credential),
      ),
    ));
  try {
    for (const command of commands) {
      const summary = summarize(command);
      try {
        await client.executeMgmt(settings.database, command);
      } catch (error) {
        throw toKustoError(`setup command ${summary} in database ${settings.database}`, error);
      }
      options.log?.(`applied ${summary}`);
    }
    return { applied: commands.length };
  } finally {
    owned?.close();
  }
}

/** `.create-merge table O365SecurityAlerts`, `.create-or-alter function ... O365PipelineRunsLag`: for logs and errors. */
function summarize(command: string): string {
  const fn = command.startsWith('.create-or-alter function') ? /(\w+)\([^{]*\) \{ /.exec(command) : null;
  if (fn) return `.create-or-alter function ${fn[1]}`;
  const words = command.split(/\s+/);
  const policy = words.indexOf('policy');
  if (policy > 0) return words.slice(0, policy + 2).join(' ');
  return words.slice(0, words[1] === 'table' && words[3] === 'ingestion' ? 6 : 3).join(' ');
}
