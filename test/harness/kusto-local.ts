/**
 * Shared set-up for the Kusto tests: a fresh state directory, the local endpoint on a free port and the real
 * azure-kusto-data client pointed at it ({@link startHarness}, {@link startHarnessWithAzurite} when the test ingests
 * queued batches itself); or Azurite plus the endpoint for the sink's queued ingestion and its status reports
 * ({@link startQueuedHarness}). Every test file closes what it opened.
 */
import { Client, KustoConnectionStringBuilder } from 'azure-kusto-data';
import { DataFormat, IngestionProperties, StreamingIngestClient } from 'azure-kusto-ingest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { type RunningAzurite, startAzurite } from '../../local/azurite';
import { type KustoLocalOptions, type RunningKustoLocal, startKustoLocal } from '../../local/kusto/index';
import { KustoSink, type KustoSettings } from '../../src/kusto';

export const DB = 'LocalTests';

export interface Harness {
  readonly dir: string;
  kusto: RunningKustoLocal;
  client: Client;
  /** A connection string to the endpoint (new builder each call: the SDK mutates them). */
  kcsb(accessToken?: string): KustoConnectionStringBuilder;
  mgmt(command: string): Promise<Record<string, unknown>[]>;
  query(text: string): Promise<Record<string, unknown>[]>;
  /** Column name → ColumnType of a query's primary result. */
  columnTypes(text: string): Promise<Record<string, string>>;
  /**
   * Streams `body` (text as is, anything else as JSON) into `table` through the real StreamingIngestClient: JSON
   * lines unless `format` says otherwise, with the named ingestion mapping when given.
   */
  streamIngest(
    table: string,
    body: unknown,
    options?: { format?: DataFormat; mapping?: string },
  ): Promise<void>;
  /** Stops the endpoint and starts it again on the same state directory (a restart). */
  restart(options?: KustoLocalOptions): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: KustoLocalOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'kusto-local-'));
  const stateDir = join(dir, 'state');
  const start = (extra: KustoLocalOptions): Promise<RunningKustoLocal> =>
    startKustoLocal({ port: 0, stateDir, ...options, ...extra });
  const kcsbFor = (url: string, accessToken?: string): KustoConnectionStringBuilder =>
    accessToken
      ? KustoConnectionStringBuilder.withAccessToken(`Data Source=${url};Initial Catalog=${DB}`, accessToken)
      : new KustoConnectionStringBuilder(`Data Source=${url};Initial Catalog=${DB}`);
  const kusto = await start({});
  const harness: Harness = {
    dir,
    kusto,
    client: new Client(kcsbFor(kusto.url)),
    kcsb: (accessToken) => kcsbFor(harness.kusto.url, accessToken),
    mgmt: async (command) =>
      (await harness.client.executeMgmt(DB, command)).primaryResults[0]!.toJSON().data as Record<
        string,
        unknown
      >[],
    query: async (text) =>
      (await harness.client.execute(DB, text)).primaryResults[0]!.toJSON().data as Record<string, unknown>[],
    columnTypes: async (text) => {
      const table = (await harness.client.execute(DB, text)).primaryResults[0]!;
      return Object.fromEntries(table.columns.map((c) => [c.name, c.type]));
    },
    streamIngest: async (table, body, { format = DataFormat.JSON, mapping } = {}) => {
      const client = new StreamingIngestClient(harness.kcsb());
      try {
        const props = new IngestionProperties({
          database: DB,
          table,
          format,
          ...(mapping ? { ingestionMappingReference: mapping } : {}),
        });
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        await client.ingestFromStream(Readable.from([Buffer.from(text)]), props);
      } finally {
        client.close();
      }
    },
    restart: async (extra = {}) => {
      harness.client.close();
      await harness.kusto.close();
      harness.kusto = await start(extra);
      harness.client = new Client(kcsbFor(harness.kusto.url));
    },
    close: async () => {
      harness.client.close();
      await harness.kusto.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** A harness whose endpoint queues ingestion through its own Azurite (free ports, a throw-away folder). */
export interface AzuriteHarness extends Harness {
  readonly azurite: RunningAzurite;
}

/** {@link startHarness} with Azurite started first and handed to the endpoint; close() stops both. */
export async function startHarnessWithAzurite(
  options: Omit<KustoLocalOptions, 'azurite'> = {},
): Promise<AzuriteHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'kusto-local-azurite-'));
  const azurite = await startAzurite({ location: dir, blobPort: 0, queuePort: 0, tablePort: 0 });
  let harness: Harness;
  try {
    harness = await startHarness({ ...options, azurite });
  } catch (error) {
    await azurite.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const close = harness.close;
  return Object.assign(harness, {
    azurite,
    close: async () => {
      await close();
      await azurite.close();
      await rm(dir, { recursive: true, force: true });
    },
  });
}

/** The SDK reports non-200 answers as an AxiosError carrying Kusto's OneApi body. */
export function oneApiError(
  error: unknown,
): { code: string; '@type': string; '@message': string } | undefined {
  const data = (
    error as { response?: { data?: { error?: { code: string; '@type': string; '@message': string } } } }
  ).response?.data;
  return data?.error;
}

export function httpStatus(error: unknown): number | undefined {
  return (error as { response?: { status?: number } }).response?.status;
}

/** A fixture token the local endpoint maps to an Ingestor + Viewer principal (the app's rights, no Admin). */
export const INGESTOR_TOKEN = 'fixture-ingestor-token';

/** A credential that sends {@link INGESTOR_TOKEN}: the SDK then acts as the app would on Azure. */
export const ingestorCredential: TokenCredential = {
  getToken: (): Promise<AccessToken> =>
    Promise.resolve({ token: INGESTOR_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** Azurite plus the local endpoint with queued ingestion: the path a cluster's queued ingestion and reports take. */
export interface QueuedHarness {
  readonly dir: string;
  readonly azurite: RunningAzurite;
  readonly kusto: RunningKustoLocal;
  /** Sink settings for one table (each scenario uses its own tables so they do not see each other's rows). */
  settings(table: string, ingestionMode?: 'queued' | 'streaming', telemetryTable?: string): KustoSettings;
  /** A sink on one table, with the deployer's rights or the app's (Ingestor + Viewer); closed by `close()`. */
  sink(table: string, options?: { mode?: 'queued' | 'streaming'; as?: 'deployer' | 'app' }): KustoSink;
  /** Closes every sink opened through `sink()`, then the endpoint and Azurite. */
  close(): Promise<void>;
}

/**
 * Starts Azurite (free ports) and the endpoint with no background polling, so a test decides when queued batches are
 * processed (`kusto.drainQueuedIngestion()`). Requests without a token act as Admin (the deployer); requests with
 * {@link INGESTOR_TOKEN} as Ingestor + Viewer.
 */
export async function startQueuedHarness(): Promise<QueuedHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'kusto-queued-'));
  const azurite = await startAzurite({
    location: join(dir, 'azurite'),
    blobPort: 0,
    queuePort: 0,
    tablePort: 0,
  });
  let kusto: RunningKustoLocal;
  try {
    kusto = await startKustoLocal({
      port: 0,
      stateDir: join(dir, 'kusto'),
      azurite,
      queuePollMs: 0,
      tokens: { [INGESTOR_TOKEN]: ['ingestor', 'viewer'] },
    });
  } catch (error) {
    await azurite.close();
    throw error;
  }
  const settings: QueuedHarness['settings'] = (
    table,
    ingestionMode = 'queued',
    telemetryTable = `${table}Runs`,
  ) => ({
    clusterUrl: kusto.url,
    ingestUrl: kusto.url,
    database: 'O365',
    table,
    telemetryTable,
    ingestionMode,
    batchingSeconds: 10,
  });
  const sinks: KustoSink[] = [];
  return {
    dir,
    azurite,
    kusto,
    settings,
    sink: (table, { mode = 'queued', as = 'deployer' } = {}) => {
      const sink = new KustoSink(
        settings(table, mode),
        as === 'app' ? { credential: ingestorCredential } : {},
      );
      sinks.push(sink);
      return sink;
    },
    close: async () => {
      for (const sink of sinks) await sink.close();
      await kusto.close();
      await azurite.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
