/**
 * Sending one serialized batch to the cluster with azure-kusto-ingest.
 *
 * Queued (default): the batch is uploaded as a gzip MultiJSON blob and announced on the ingestion queue with
 * `ingest-by:<batchId>` and `ingestIfNotExists: ["<batchId>"]`, so the cluster drops a repeat of a batch it already
 * holds — a retried activity or a replayed window lands once. `ingestFromFile` is used because it keeps our
 * sourceId (`ingestFromStream` replaces it with a random one).
 *
 * Streaming (`KUSTO_INGESTION_MODE=streaming`): ManagedStreamingIngestClient posts the batch straight to the engine
 * (seconds, not the minutes queued batching takes) and falls back to queued ingestion after three failed attempts or
 * for batches over 4 MB. Streaming sends none of the ingestion properties — no tags, no ingestIfNotExists — so the
 * cluster cannot de-duplicate a retried batch. Exactly-once is kept before ingestion instead: the pipeline drops rows
 * whose record Id is already in the table (`KustoSink.existingIds`) and sends each window's rows as one batch.
 * A fallback to queued still carries the tags.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { KustoConnectionStringBuilder } from 'azure-kusto-data';
import {
  CompressionType,
  DataFormat,
  FileDescriptor,
  IngestClient,
  IngestionMappingKind,
  IngestionProperties,
  ManagedStreamingIngestClient,
  StreamDescriptor,
} from 'azure-kusto-ingest';
import { sourceIdFor, type SerializedBatch } from './batch';

export type IngestionMode = 'queued' | 'streaming';

export interface IngestionTarget {
  readonly database: string;
  readonly table: string;
  readonly mappingName: string;
}

/** Sends batches in one mode; `ingest` resolves with the mode that actually took the batch. */
export interface BatchIngestor {
  ingest(batch: SerializedBatch, batchId: string): Promise<IngestionMode>;
  close(): void;
}

function propertiesFor(target: IngestionTarget, batchId: string): IngestionProperties {
  return new IngestionProperties({
    database: target.database,
    table: target.table,
    format: DataFormat.MULTIJSON,
    ingestionMappingReference: target.mappingName,
    ingestionMappingKind: IngestionMappingKind.JSON,
    ingestByTags: [batchId],
    // The service expects a JSON array of tag values as a string.
    ingestIfNotExists: JSON.stringify([batchId]),
  });
}

export class QueuedIngestor implements BatchIngestor {
  private readonly client: IngestClient;

  constructor(
    ingestConnection: KustoConnectionStringBuilder,
    private readonly target: IngestionTarget,
  ) {
    // The ingestion URL comes from settings already (ingest- prefix derived there); no second guess by the SDK.
    this.client = new IngestClient(ingestConnection, undefined, false);
  }

  async ingest(batch: SerializedBatch, batchId: string): Promise<IngestionMode> {
    const dir = await mkdtemp(join(tmpdir(), 'kusto-batch-'));
    try {
      const file = join(dir, 'batch.multijson.gz');
      await writeFile(file, batch.gzip);
      // extension '.gz' tells the SDK the file is compressed already; name keeps the blob name readable.
      const descriptor = new FileDescriptor(
        file,
        sourceIdFor(batchId),
        batch.rawBytes,
        CompressionType.None,
        '.gz',
        'batch.multijson',
      );
      await this.client.ingestFromFile(descriptor, propertiesFor(this.target, batchId));
      return 'queued';
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  close(): void {
    this.client.close();
  }
}

export class StreamingIngestor implements BatchIngestor {
  private readonly client: ManagedStreamingIngestClient;

  constructor(
    engineConnection: KustoConnectionStringBuilder,
    ingestConnection: KustoConnectionStringBuilder,
    private readonly target: IngestionTarget,
  ) {
    this.client = new ManagedStreamingIngestClient(engineConnection, ingestConnection, undefined, false);
  }

  async ingest(batch: SerializedBatch, batchId: string): Promise<IngestionMode> {
    const descriptor = new StreamDescriptor(
      Readable.from([batch.gzip]),
      sourceIdFor(batchId),
      CompressionType.GZIP,
      // The uncompressed size decides streaming (≤ 4 MB) versus the queued fallback, as the service limit does.
      batch.rawBytes,
    );
    const result = await this.client.ingestFromStream(descriptor, propertiesFor(this.target, batchId));
    return isQueuedResult(result) ? 'queued' : 'streaming';
  }

  close(): void {
    this.client.close();
  }
}

/** The managed client returns an IngestionResult when it fell back to queued, the engine's reply otherwise. */
function isQueuedResult(result: unknown): boolean {
  return (
    typeof result === 'object' &&
    result !== null &&
    typeof (result as { getIngestionStatusCollection?: unknown }).getIngestionStatusCollection === 'function'
  );
}
