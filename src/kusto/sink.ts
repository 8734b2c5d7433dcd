/**
 * The product's one door to Azure Data Explorer: the read-only setup check, ingestion of alerts and telemetry, the
 * ingestion status reports, the record-Id check and queries. Activities and the status route construct one per
 * process and share it; it holds SDK clients, not state. It never creates Kusto objects: the deployer does
 * (setup.ts), and the app holds only Ingestor + Viewer.
 */
import type { TokenCredential } from '@azure/identity';
import { Client as KustoClient, type KustoConnectionStringBuilder } from 'azure-kusto-data';
import { DateTime } from 'luxon';
import type { Config } from '../config';
import { serializeRows, sourceIdFor } from './batch';
import { connectionFor, credentialFor } from './connection';
import { KustoPermissionError, KustoSetupError, toKustoError } from './errors';
import { existingIdQueries } from './existing-ids';
import {
  QueuedIngestor,
  StreamingIngestor,
  type IngestionMode,
  type IngestionTarget,
  type SentBatch,
} from './ingestion';
import { drainStatusQueues, type IngestionReport } from './reports';
import { ALERT_COLUMNS, type AlertRow, type ColumnDefinition } from './schema';
import { applyKustoSetup, telemetryTableOf } from './setup';
import { mappingNameFor } from './table-commands';
import { TELEMETRY_COLUMNS, type TelemetryRow } from './telemetry-schema';
import { findSetupProblems } from './verify';

export type KustoSettings = Config['kusto'];

export interface KustoSinkOptions {
  /** Used instead of the default credential chain (also against a local endpoint, where none is used otherwise). */
  credential?: TokenCredential;
}

/** The outcome of handing one batch to the cluster. */
export interface IngestResult {
  /** The path that took the batch ('queued' also when streaming fell back to it). */
  readonly mode: IngestionMode;
  readonly rows: number;
  /**
   * The IngestionSourceId the service's status reports carry (UUID v4 derived from the tag: the same tag always
   * gives the same id, see `sourceIdFor`).
   */
  readonly sourceId: string;
  /**
   * True when the rows are committed now (streaming answered, or the batch was empty); false when queued: the outcome
   * arrives later as an {@link IngestionReport} from {@link KustoSink.drainIngestionReports}.
   */
  readonly confirmed: boolean;
}

/** Default most reports one drain returns. */
export const DEFAULT_REPORT_DRAIN = 500;

export class KustoSink {
  private readonly engine: KustoConnectionStringBuilder;
  private readonly ingestion: KustoConnectionStringBuilder;
  private readonly client: KustoClient;
  private readonly credential: TokenCredential | undefined;
  private queued: QueuedIngestor | undefined;
  private streaming: StreamingIngestor | undefined;
  private verified = false;
  /** Status-queue messages that were not readable reports (deleted so they cannot block the queue). */
  unreadableReports = 0;

  constructor(
    private readonly config: KustoSettings,
    options: KustoSinkOptions = {},
  ) {
    this.credential = credentialFor(config.clusterUrl, config.managedIdentityClientId, options.credential);
    this.engine = connectionFor(config.clusterUrl, config.database, this.credential);
    this.ingestion = connectionFor(config.ingestUrl || config.clusterUrl, config.database, this.credential);
    this.client = new KustoClient(this.engine);
  }

  get telemetryTable(): string {
    return telemetryTableOf(this.config);
  }

  /**
   * Checks, read-only, that the deployer's setup created what the pipeline writes to: both tables with every column
   * and type, their JSON mappings, and the streaming policy in streaming mode. Throws {@link KustoSetupError} naming
   * each missing piece and how to create it, or KustoPermissionError when the principal cannot even read (it needs
   * Viewer). Succeeds once per sink; later calls return at once.
   */
  async verifyTable(): Promise<void> {
    if (this.verified) return;
    const problems = await findSetupProblems(
      {
        table: this.config.table,
        telemetryTable: this.telemetryTable,
        streaming: this.config.ingestionMode === 'streaming',
      },
      (command) => this.query<Record<string, unknown>>(command),
    );
    if (problems.length > 0) throw new KustoSetupError(this.config.database, problems);
    this.verified = true;
  }

  /**
   * @deprecated The app verifies ({@link verifyTable}); the deployer creates (`applyKustoSetup`). Kept while callers
   * move: runs the setup with this sink's credential and, when the principal may not create (Ingestor + Viewer),
   * falls back to the read-only check.
   */
  async ensureTable(): Promise<void> {
    if (this.verified) return;
    try {
      await applyKustoSetup(this.config, { client: this.client });
      this.verified = true;
    } catch (error) {
      if (!(error instanceof KustoPermissionError)) throw error;
      await this.verifyTable();
    }
  }

  /**
   * Ingests one batch of alert rows. `tag` must be stable across retries of the same batch (e.g. the window's id): on
   * the queued path the cluster skips a batch whose `ingest-by` tag it already holds, and the same tag gives the same
   * sourceId. Rows are serialized with exactly the schema columns.
   */
  async ingestRows(rows: AlertRow[], tag: string): Promise<IngestResult> {
    return this.send(rows, tag, this.alertsTarget(), ALERT_COLUMNS, this.config.ingestionMode);
  }

  /**
   * Ingests telemetry rows (one per window run) exactly once per `runKey`: always queued, tagged `ingest-by:<runKey>`
   * with ingestIfNotExists, whatever KUSTO_INGESTION_MODE says (streaming could not de-duplicate a re-send, and
   * telemetry does not need seconds of freshness). Its reports arrive through {@link drainIngestionReports} with
   * `table` = the telemetry table.
   */
  async ingestTelemetry(rows: TelemetryRow[], runKey: string): Promise<IngestResult> {
    return this.send(rows, runKey, this.target(this.telemetryTable), TELEMETRY_COLUMNS, 'queued');
  }

  /**
   * Pops the service's ingestion status reports (success and failure queues named by `.get ingestion resources`) and
   * returns them parsed, ordered by time: for a sourceId sent more than once, the last report is the latest outcome.
   * Popped messages are gone: record them before acting on them. Reports for both tables come through here.
   */
  async drainIngestionReports(max = DEFAULT_REPORT_DRAIN): Promise<IngestionReport[]> {
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`drainIngestionReports needs a positive whole number, got ${max}.`);
    try {
      const resources = this.getQueued().client.resourceManager;
      const [failure, success] = await Promise.all([
        resources.getFailedIngestionsQueues(),
        resources.getSuccessfulIngestionsQueues(),
      ]);
      const result = await drainStatusQueues(
        {
          failure: (failure ?? []).map((q) => q.uri),
          success: (success ?? []).map((q) => q.uri),
        },
        max,
        () => DateTime.utc(),
      );
      this.unreadableReports += result.unreadable;
      return result.reports;
    } catch (error) {
      throw toKustoError('reading the ingestion status queues', error);
    }
  }

  /** The subset of `ids` already present in the table's Id column (queried in chunks). */
  async existingIds(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const kql of existingIdQueries(this.config.table, ids)) {
      for (const row of await this.query<{ Id: string }>(kql)) found.add(row.Id);
    }
    return found;
  }

  /**
   * Runs a KQL query, or a management command when the text starts with a dot, and returns the primary result's rows
   * as plain objects (datetime → Date, timespan → milliseconds, dynamic as parsed JSON).
   */
  async query<T = Record<string, unknown>>(kql: string): Promise<T[]> {
    const isCommand = kql.trimStart().startsWith('.');
    try {
      const response = isCommand
        ? await this.client.executeMgmt(this.config.database, kql)
        : await this.client.executeQuery(this.config.database, kql);
      const primary = response.primaryResults[0];
      if (!primary) return [];
      const rows: T[] = [];
      for (const row of primary.rows()) rows.push(row.toJSON<T>());
      return rows;
    } catch (error) {
      throw toKustoError(isCommand ? 'command' : 'query', error);
    }
  }

  async close(): Promise<void> {
    this.streaming?.close();
    this.queued?.close();
    this.streaming = undefined;
    this.queued = undefined;
    this.client.close();
  }

  private async send(
    rows: readonly object[],
    tag: string,
    target: IngestionTarget,
    columns: readonly ColumnDefinition[],
    mode: IngestionMode,
  ): Promise<IngestResult> {
    if (tag.trim() === '')
      throw new Error(`Ingestion into ${target.table} needs a non-empty tag (the exactly-once key).`);
    if (rows.length === 0) return { mode, rows: 0, sourceId: sourceIdFor(tag), confirmed: true };
    const batch = serializeRows(rows, columns);
    let sent: SentBatch;
    try {
      sent =
        mode === 'streaming'
          ? await this.getStreaming().ingest(batch, tag, target)
          : await this.getQueued().ingest(batch, tag, target);
    } catch (error) {
      throw toKustoError(`ingestion of batch ${tag} into ${target.table}`, error);
    }
    return {
      mode: sent.mode,
      rows: batch.rows,
      sourceId: sent.sourceId,
      confirmed: sent.mode === 'streaming',
    };
  }

  private alertsTarget(): IngestionTarget {
    return this.target(this.config.table);
  }

  private target(table: string): IngestionTarget {
    return { database: this.config.database, table, mappingName: mappingNameFor(table) };
  }

  private getQueued(): QueuedIngestor {
    this.queued ??= new QueuedIngestor(this.ingestion);
    return this.queued;
  }

  private getStreaming(): StreamingIngestor {
    this.streaming ??= new StreamingIngestor(this.engine, this.getQueued());
    return this.streaming;
  }
}
