/**
 * Sending one serialized batch to the cluster with azure-kusto-ingest.
 *
 * Queued (default): the batch is uploaded as a gzip MultiJSON blob and announced on the ingestion queue with
 * `ingest-by:<tag>` and `ingestIfNotExists: ["<tag>"]`, so the cluster drops a repeat of a batch it already holds — a
 * retried activity or a replayed window lands once. Every queued batch asks for status reports on the service's
 * queues (`ReportLevel.FailuresAndSuccesses`, `ReportMethod.Queue`): success is confirmed by a message, not assumed
 * from the upload (see reports.ts). Queue reporting rather than the status table because any process can pop the
 * queues later (a Durable activity cannot keep the SDK's per-batch result object), it costs the service no table write
 * per batch, and the status table does not work against Azurite's path-style URLs, so it could not be tested locally.
 * `ingestFromFile` is used because it keeps our sourceId (`ingestFromStream` replaces it with a random one), which is
 * how a report is matched to its batch.
 *
 * Streaming (`KUSTO_INGESTION_MODE=streaming`): the batch is posted straight to the engine (seconds, not the batching
 * time) and the answer is the confirmation. Streaming sends none of the ingestion properties — no tags, no
 * ingestIfNotExists — so the cluster cannot de-duplicate a retried batch; exactly-once is kept before ingestion instead
 * (the pipeline drops rows whose record Id is already in the table). A batch over the streaming limit, one the engine
 * refuses for want of the streaming policy, or one that still fails after three attempts goes the queued way with the
 * same sourceId and tags. (The SDK's ManagedStreamingIngestClient does the same but gives its queued fallback a random
 * sourceId, which would orphan the fallback's report.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KustoConnectionStringBuilder } from 'azure-kusto-data';
import {
  CompressionType,
  DataFormat,
  FileDescriptor,
  IngestClient,
  IngestionMappingKind,
  IngestionProperties,
  ReportLevel,
  ReportMethod,
  StreamDescriptor,
  StreamingIngestClient,
} from 'azure-kusto-ingest';
import { Duration } from 'luxon';
import { sourceIdFor, type SerializedBatch } from './batch';
import { describeServiceFailure } from './errors';

export type IngestionMode = 'queued' | 'streaming';

export interface IngestionTarget {
  readonly database: string;
  readonly table: string;
  readonly mappingName: string;
}

/** What happened to a batch on the way in. */
export interface SentBatch {
  /** The path that took the batch. */
  readonly mode: IngestionMode;
  /** The IngestionSourceId the service's status reports carry. */
  readonly sourceId: string;
}

/** The service's streaming limit (uncompressed); larger batches must be queued. */
export const STREAMING_LIMIT_BYTES = 4 * 1024 * 1024;
const STREAMING_ATTEMPTS = 3;
const STREAMING_BACKOFF = Duration.fromObject({ seconds: 1 });

function propertiesFor(target: IngestionTarget, tag: string): IngestionProperties {
  return new IngestionProperties({
    database: target.database,
    table: target.table,
    format: DataFormat.MULTIJSON,
    ingestionMappingReference: target.mappingName,
    ingestionMappingKind: IngestionMappingKind.JSON,
    ingestByTags: [tag],
    // The service expects a JSON array of tag values as a string.
    ingestIfNotExists: JSON.stringify([tag]),
    reportLevel: ReportLevel.FailuresAndSuccesses,
    reportMethod: ReportMethod.Queue,
  });
}

export class QueuedIngestor {
  /** Also the source of the status queue URLs (`.get ingestion resources`, cached by the SDK). */
  readonly client: IngestClient;

  constructor(ingestConnection: KustoConnectionStringBuilder) {
    // The ingestion URL comes from settings already (ingest- prefix derived there); no second guess by the SDK.
    this.client = new IngestClient(ingestConnection, undefined, false);
  }

  async ingest(batch: SerializedBatch, tag: string, target: IngestionTarget): Promise<SentBatch> {
    const sourceId = sourceIdFor(tag);
    const dir = await mkdtemp(join(tmpdir(), 'kusto-batch-'));
    try {
      const file = join(dir, 'batch.multijson.gz');
      await writeFile(file, batch.gzip);
      // extension '.gz' tells the SDK the file is compressed already; name keeps the blob name readable.
      const descriptor = new FileDescriptor(
        file,
        sourceId,
        batch.rawBytes,
        CompressionType.None,
        '.gz',
        'batch.multijson',
      );
      await this.client.ingestFromFile(descriptor, propertiesFor(target, tag));
      return { mode: 'queued', sourceId };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  close(): void {
    this.client.close();
  }
}

export class StreamingIngestor {
  private readonly client: StreamingIngestClient;

  constructor(
    engineConnection: KustoConnectionStringBuilder,
    private readonly queued: QueuedIngestor,
  ) {
    this.client = new StreamingIngestClient(engineConnection, undefined, false);
  }

  async ingest(batch: SerializedBatch, tag: string, target: IngestionTarget): Promise<SentBatch> {
    const sourceId = sourceIdFor(tag);
    if (batch.rawBytes > STREAMING_LIMIT_BYTES) return this.queued.ingest(batch, tag, target);
    for (let attempt = 1; attempt <= STREAMING_ATTEMPTS; attempt++) {
      try {
        const descriptor = new StreamDescriptor(
          Readable.from([batch.gzip]),
          sourceId,
          CompressionType.GZIP,
          batch.rawBytes,
        );
        await this.client.ingestFromStream(
          descriptor,
          propertiesFor(target, tag),
          `o365-alert-pipeline.stream;${sourceId};${attempt}`,
        );
        return { mode: 'streaming', sourceId };
      } catch (error) {
        const failure = describeServiceFailure(error);
        // The engine refuses streams into this table (policy or cluster feature off): queued ingestion still works.
        if (/streaming/i.test(failure.code ?? '')) break;
        // Any other 4xx is about the batch or the table; the queued path would fail the same way.
        const status = failure.status;
        if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429)
          throw error;
        if (attempt < STREAMING_ATTEMPTS) await sleep(STREAMING_BACKOFF.toMillis() * 2 ** (attempt - 1));
      }
    }
    return this.queued.ingest(batch, tag, target);
  }

  close(): void {
    this.client.close();
  }
}
