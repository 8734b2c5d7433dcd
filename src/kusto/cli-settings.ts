/**
 * Settings for the query and setup CLIs. They need only the Kusto settings, so it does not go through `loadConfig` (which also
 * demands the Office 365 and storage settings); names and defaults are the app's own. With KUSTO_CLUSTER_URL unset it
 * talks to the local Kusto endpoint that `npm start` / `npm run kusto-local` serve.
 */
import type { Config } from '../config';

export const LOCAL_KUSTO_DEFAULT_PORT = 8080;
export const LOCAL_KUSTO_DATABASE = 'O365';
const DEFAULT_TABLE = 'O365SecurityAlerts';

export function cliKustoSettings(env: NodeJS.ProcessEnv): Config['kusto'] {
  const get = (name: string): string | undefined => env[name]?.trim() || undefined;
  const cluster = get('KUSTO_CLUSTER_URL');
  const port = get('LOCAL_KUSTO_PORT') ?? String(LOCAL_KUSTO_DEFAULT_PORT);
  const clusterUrl = (cluster ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  try {
    new URL(clusterUrl);
  } catch {
    throw new Error(`KUSTO_CLUSTER_URL is not a valid URL, got "${clusterUrl}".`);
  }
  const database = get('KUSTO_DATABASE') ?? (cluster ? undefined : LOCAL_KUSTO_DATABASE);
  if (!database)
    throw new Error('KUSTO_DATABASE is missing: name the database on the cluster KUSTO_CLUSTER_URL names.');
  const mode = get('KUSTO_INGESTION_MODE') ?? 'queued';
  const batching = get('KUSTO_BATCHING_SECONDS');
  const batchingSeconds = batching === undefined ? undefined : Number(batching);
  if (
    batchingSeconds !== undefined &&
    (!Number.isInteger(batchingSeconds) || batchingSeconds < 10 || batchingSeconds > 300)
  )
    throw new Error(`KUSTO_BATCHING_SECONDS must be a whole number from 10 to 300, got "${batching}".`);
  return {
    clusterUrl,
    // The CLI never ingests; the ingestion URL only has to be well-formed.
    ingestUrl: get('KUSTO_INGEST_URL') ?? clusterUrl,
    database,
    table: get('KUSTO_TABLE') ?? DEFAULT_TABLE,
    ingestionMode: mode === 'streaming' ? 'streaming' : 'queued',
    managedIdentityClientId: get('KUSTO_MANAGED_IDENTITY_CLIENT_ID'),
    telemetryTable: get('KUSTO_TELEMETRY_TABLE'),
    batchingSeconds,
  };
}

/** Runs a command-line entry: its exit code, or 1 with the error's message (never a stack) on stderr. */
export function runCli(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
