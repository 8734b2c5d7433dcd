/**
 * The local Kusto-protocol endpoint: an HTTP server the real azure-kusto-data and azure-kusto-ingest clients use
 * unchanged, backed by an embedded SQLite store and a KQL-subset evaluator. With Azurite it also serves queued
 * ingestion: `.get ingestion resources` points the ingest client at Azurite and a worker drains the queue.
 * See README "Local Kusto" for what runs and what is refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { RunningAzurite } from '../azurite';
import { type Clock, SystemClock } from '../clock';
import type { IngestionResources } from './commands';
import { type KustoRole, type PrincipalDirectory, type Principal } from './principals';
import { type IngestionFault, QueuedIngestionWorker } from './queued-ingestion';
import { createRequestHandler } from './http';
import { KustoStore } from './store';

export type { KustoRole } from './principals';
export type { IngestionFault } from './queued-ingestion';

export interface KustoLocalOptions {
  /** Default LOCAL_KUSTO_PORT or 8080; 0 = a free port. */
  port?: number;
  /** Default .local/kusto at the repository root. */
  stateDir?: string;
  /** Enables queued ingestion through this Azurite. */
  azurite?: RunningAzurite;
  clock?: Clock;
  /** Roles of requests that name no principal (default ['admin']). */
  defaultRoles?: readonly KustoRole[];
  /** Bearer token → roles, for tests that use `withAccessToken(token)` to act as a less privileged principal. */
  tokens?: Readonly<Record<string, readonly KustoRole[]>>;
  /** Refuse streaming ingestion into tables without the streaming policy, as a cluster does (default true). */
  requireStreamingPolicy?: boolean;
  /**
   * Hold queued batches for each table's ingestion batching time (`.alter table T policy ingestionbatching`, 5 minutes
   * without one) before ingesting them, as the service does; default false (ingest at the next poll). System clock only.
   */
  honourBatchingPolicy?: boolean;
  /** How often the queued-ingestion worker polls the queue, in wall-clock ms (default 250; 0 with a virtual clock, where tests call drainQueuedIngestion()). */
  queuePollMs?: number;
}

export interface RunningKustoLocal {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Ingests everything queued now; returns the number of batches ingested (skipped duplicates not counted). */
  drainQueuedIngestion(): Promise<number>;
  /**
   * Makes the next queued batches fail (reported on the failure queue, not ingested): Transient or Permanent, for one
   * table or any. Also reachable over HTTP: `POST /local/faults/ingestion` with the fault as JSON (Admin only).
   */
  injectIngestionFailures(fault: IngestionFault): void;
  /** Changes the roles of requests that name no principal, e.g. ['ingestor'] to test the "Admin missing" path. */
  setDefaultRoles(roles: readonly KustoRole[]): void;
  close(): Promise<void>;
}

const principal = (name: string, roles: readonly KustoRole[]): Principal => ({ name, roles: new Set(roles) });

export async function startKustoLocal(options: KustoLocalOptions = {}): Promise<RunningKustoLocal> {
  const clock = options.clock ?? new SystemClock();
  const stateDir = options.stateDir ?? resolve(__dirname, '..', '..', '.local', 'kusto');
  const port = options.port ?? Number(process.env.LOCAL_KUSTO_PORT ?? 8080);
  if (options.honourBatchingPolicy && clock.isVirtual)
    throw new Error(
      'honourBatchingPolicy needs the system clock: queued messages carry real creation times.',
    );
  const store = new KustoStore(stateDir);
  const principals: PrincipalDirectory = {
    tokens: new Map(
      Object.entries(options.tokens ?? {}).map(([token, roles]) => [
        token,
        principal(`token:${roles.join('+')}`, roles),
      ]),
    ),
    defaultPrincipal: principal('aadapp=local-default', options.defaultRoles ?? ['admin']),
  };
  let worker: QueuedIngestionWorker | undefined;
  let resources: IngestionResources | undefined;
  if (options.azurite) {
    worker = new QueuedIngestionWorker({
      azurite: options.azurite,
      store,
      clock,
      pollMs: options.queuePollMs ?? (clock.isVirtual ? 0 : 250),
      honourBatchingPolicy: options.honourBatchingPolicy,
    });
    resources = await worker.prepare();
    worker.start();
  }
  const injectIngestionFailures = (fault: IngestionFault): void => {
    if (!worker)
      throw new Error('Queued ingestion is off on this local Kusto endpoint (start it with Azurite).');
    worker.injectFailures(fault);
  };
  const server: Server = createServer(
    createRequestHandler({
      store,
      clock,
      principals,
      ingestionResources: () => resources,
      injectIngestionFailures: (fault) => injectIngestionFailures(fault),
      requireStreamingPolicy: options.requireStreamingPolicy ?? true,
    }),
  );
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolveListen());
    });
  } catch (error) {
    await worker?.stop();
    store.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  let closed = false;
  return {
    url: `http://127.0.0.1:${address.port}`,
    drainQueuedIngestion: async () => (worker ? worker.drain() : 0),
    injectIngestionFailures,
    setDefaultRoles: (roles) => {
      principals.defaultPrincipal = principal('aadapp=local-default', roles);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await worker?.stop();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      store.close();
    },
  };
}
