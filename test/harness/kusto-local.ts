/**
 * Shared set-up for the local Kusto endpoint tests: a fresh state directory, the endpoint on a free port, and the real
 * azure-kusto-data client pointed at it. Every test file closes what it opened.
 */
import { Client, KustoConnectionStringBuilder } from 'azure-kusto-data';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KustoLocalOptions, type RunningKustoLocal, startKustoLocal } from '../../local/kusto/index';

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
