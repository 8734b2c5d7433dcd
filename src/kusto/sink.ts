/**
 * The product's one door to Azure Data Explorer: table setup, ingestion, the record-Id check and queries.
 * Activities and the status route construct one per process and share it; it holds SDK clients, not state.
 */
import type { TokenCredential } from '@azure/identity';
import { Client as KustoClient, type KustoConnectionStringBuilder } from 'azure-kusto-data';
import type { Config } from '../config';
import { serializeRows } from './batch';
import { connectionFor, credentialFor } from './connection';
import { isPermissionDenied, describeServiceFailure, KustoPermissionError, toKustoError } from './errors';
import { createFunctionCommand, shippedFunctions } from './functions';
import { QueuedIngestor, StreamingIngestor, type BatchIngestor, type IngestionMode } from './ingestion';
import { existingIdQueries } from './existing-ids';
import { ALERT_COLUMNS, type AlertRow } from './schema';
import {
  createMappingCommand,
  createMergeTableCommand,
  enableStreamingCommand,
  mappingNameFor,
  showSchemaCommand,
} from './table-commands';

export type KustoSettings = Config['kusto'];

export interface KustoSinkOptions {
  /** Used instead of the default credential chain (also against a local endpoint, where none is used otherwise). */
  credential?: TokenCredential;
}

export class KustoSink {
  private readonly engine: KustoConnectionStringBuilder;
  private readonly ingestion: KustoConnectionStringBuilder;
  private readonly client: KustoClient;
  private ingestor: BatchIngestor | undefined;
  private tableReady = false;

  constructor(
    private readonly config: KustoSettings,
    options: KustoSinkOptions = {},
  ) {
    const credential = credentialFor(config.clusterUrl, config.managedIdentityClientId, options.credential);
    this.engine = connectionFor(config.clusterUrl, config.database, credential);
    this.ingestion = connectionFor(config.ingestUrl || config.clusterUrl, config.database, credential);
    this.client = new KustoClient(this.engine);
  }

  /**
   * Creates or updates the table, its JSON mapping and the shipped functions (and the streaming policy in streaming
   * mode). Everything is idempotent, so it runs at every start. A principal without database Admin — the normal
   * state after the first run — gets through when the table already has every column; otherwise the call fails
   * with {@link KustoPermissionError} explaining which role the first run needs.
   */
  async ensureTable(): Promise<void> {
    if (this.tableReady) return;
    const { table } = this.config;
    const commands = [
      createMergeTableCommand(table),
      createMappingCommand(table),
      ...shippedFunctions(table).map(createFunctionCommand),
      ...(this.config.ingestionMode === 'streaming' ? [enableStreamingCommand(table)] : []),
    ];
    try {
      for (const command of commands) await this.client.executeMgmt(this.config.database, command);
    } catch (error) {
      const failure = describeServiceFailure(error);
      if (!isPermissionDenied(failure)) throw toKustoError(`table setup for ${table}`, error);
      if (!(await this.tableHasEveryColumn())) {
        throw new KustoPermissionError(`creating table ${table}`, failure.status, failure.message, {
          cause: error,
        });
      }
    }
    this.tableReady = true;
  }

  /**
   * Ingests one batch. `batchId` must be stable across retries of the same batch (e.g. the window's id): on the
   * queued path the cluster skips a batch whose tag it already holds. Rows are serialized with exactly the schema
   * columns. Resolves once the cluster accepted the batch (queued: announced on its queue, not yet queryable).
   */
  async ingestRows(rows: AlertRow[], batchId: string): Promise<{ mode: IngestionMode; rows: number }> {
    if (batchId.trim() === '')
      throw new Error('ingestRows needs a non-empty batchId (the exactly-once tag).');
    if (rows.length === 0) return { mode: this.config.ingestionMode, rows: 0 };
    const batch = serializeRows(rows);
    try {
      const mode = await this.getIngestor().ingest(batch, batchId);
      return { mode, rows: batch.rows };
    } catch (error) {
      throw toKustoError(`ingestion of batch ${batchId} into ${this.config.table}`, error);
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
    this.ingestor?.close();
    this.ingestor = undefined;
    this.client.close();
  }

  private getIngestor(): BatchIngestor {
    const target = {
      database: this.config.database,
      table: this.config.table,
      mappingName: mappingNameFor(this.config.table),
    };
    this.ingestor ??=
      this.config.ingestionMode === 'streaming'
        ? new StreamingIngestor(this.engine, this.ingestion, target)
        : new QueuedIngestor(this.ingestion, target);
    return this.ingestor;
  }

  /** Whether the table exists with every schema column (types included), read with Viewer rights only. */
  private async tableHasEveryColumn(): Promise<boolean> {
    let schemaJson: unknown;
    try {
      const rows = await this.query<Record<string, unknown>>(showSchemaCommand(this.config.table));
      schemaJson = rows[0]?.Schema ?? rows[0]?.schema;
    } catch {
      return false; // missing table, or not even Viewer: either way the first-run message is the right one
    }
    const schema = (typeof schemaJson === 'string' ? JSON.parse(schemaJson) : schemaJson) as {
      OrderedColumns?: { Name: string; CslType: string }[];
    } | null;
    const present = new Map((schema?.OrderedColumns ?? []).map((c) => [c.Name, c.CslType]));
    return ALERT_COLUMNS.every((c) => present.get(c.name) === c.type);
  }
}
