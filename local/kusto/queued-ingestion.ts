/**
 * Queued ingestion as a cluster's data-management service does it, against Azurite: the ingest client uploads a blob
 * and posts a message on SecuredReadyForAggregationQueue; this worker takes each message, honours `ingestIfNotExists`
 * (skip when an extent tagged `ingest-by:X` exists) and the extent tags, applies the named (or inline) mapping,
 * appends one extent per message, and reports to the success/failure queues as the message's ReportLevel asks.
 *
 * Outcomes are reported the way the service reports them: a batch the endpoint rejects (unreadable payload, mapping
 * not found, mapping inconsistent with the table) is a failure with the service's error code and FailureStatus
 * Permanent; an internal problem (the blob cannot be read, say) is Transient. Tests make a batch fail on purpose with
 * {@link QueuedIngestionWorker.injectFailures} (Transient or Permanent, for one table or any, for the next N batches).
 * By default batches are ingested as soon as they are read. With `honourBatchingPolicy` the worker waits like the
 * service: a table's pending batches are sealed and ingested together once the oldest of them is as old as the
 * table's MaximumBatchingTimeSpan (5 minutes without a policy), so local freshness figures for queued mode are real.
 */
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobClient,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { gunzipSync } from 'node:zlib';
import type { RunningAzurite } from '../azurite';
import type { Clock } from '../clock';
import type { IngestionResources } from './commands';
import { badRequest, KustoLocalError } from './errors';
import { parseJsonMapping, parseJsonRecords, prepareRows, recordsToRows } from './ingest';
import { parseTimespan } from './types';
import type { KustoStore } from './store';

export const READY_QUEUE = 'readyforaggregation-secured';
export const FAILED_QUEUE = 'failedingestions';
export const SUCCESS_QUEUE = 'successfulingestions';
export const TEMP_CONTAINER = 'ingestion-temp';
export const STATUS_TABLE = 'ingestionsstatus';

/**
 * A message being processed stays invisible this long; if the endpoint dies mid-message it reappears after it (and
 * `ingestIfNotExists` keeps a re-run from duplicating a tagged batch). Short, so a restarted stack resumes quickly.
 */
const VISIBILITY_TIMEOUT_SECONDS = 30;

/** The message the ingest client posts (reference: kusto-protocol.md, Queued ingestion). */
interface IngestionMessage {
  Id: string;
  BlobPath: string;
  DatabaseName: string;
  TableName: string;
  RetainBlobOnSuccess?: boolean;
  ReportLevel?: number | null;
  ReportMethod?: number | null;
  AdditionalProperties?: Record<string, unknown>;
}

/** ReportLevel: 0 failures only (the SDK default), 1 none, 2 failures and successes. ReportMethod: 0 queue, 1 table, 2 both. */
const REPORT_NONE = 1;
const REPORT_ALL = 2;
const REPORT_TABLE_ONLY = 1;

/** A failure the worker reports instead of ingesting, for the next `count` batches that match. */
export interface IngestionFault {
  /** Only batches for this table (default any). */
  readonly table?: string;
  readonly status: 'Transient' | 'Permanent';
  /** Default General_TransientFailure / BadRequest_InvalidBlob by status. */
  readonly errorCode?: string;
  readonly details?: string;
  /** How many batches fail this way (default 1). */
  readonly count?: number;
}

interface FailureReport {
  status: 'Permanent' | 'Transient';
  errorCode: string;
  details: string;
}

export interface WorkerOptions {
  readonly azurite: RunningAzurite;
  readonly store: KustoStore;
  readonly clock: Clock;
  /** Wall-clock polling interval; 0 = no background polling (drain() only). */
  readonly pollMs: number;
  /** Hold queued batches for the table's batching time before ingesting them (system clock only). */
  readonly honourBatchingPolicy?: boolean;
}

/** The service's batching time when a table has no policy of its own. */
const DEFAULT_BATCHING_MS = 300_000;
/** Most messages one drain looks at when batching (the rest wait for the next poll). */
const BATCHING_DRAIN_LIMIT = 2000;

export class QueuedIngestionWorker {
  private readonly ready: QueueClient;
  private readonly failed: QueueClient;
  private readonly succeeded: QueueClient;
  private readonly sas: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> = Promise.resolve(0);
  private stopped = false;
  private readonly faults: { fault: IngestionFault; left: number }[] = [];
  /** Batching: per table, creation time of the oldest batch waiting, and when the last batch was sealed. */
  private readonly opened = new Map<string, number>();
  private readonly sealed = new Map<string, number>();

  constructor(private readonly options: WorkerOptions) {
    const { azurite } = options;
    if (options.honourBatchingPolicy && options.clock.isVirtual)
      throw new Error(
        'honourBatchingPolicy needs the system clock: queued messages carry real creation times.',
      );
    const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
    // Azurite checks SAS expiry against real time, whatever clock the endpoint runs on.
    this.sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 365 * 86_400_000),
        permissions: AccountSASPermissions.parse('rwdlacup'),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        services: AccountSASServices.parse('bqt').toString(),
        protocol: SASProtocol.HttpsAndHttp,
      },
      credential,
    ).toString();
    this.ready = new QueueClient(`${azurite.queueUrl}/${READY_QUEUE}?${this.sas}`);
    this.failed = new QueueClient(`${azurite.queueUrl}/${FAILED_QUEUE}?${this.sas}`);
    this.succeeded = new QueueClient(`${azurite.queueUrl}/${SUCCESS_QUEUE}?${this.sas}`);
  }

  /** Creates the queues and the temp container; returns what `.get ingestion resources` reports. */
  async prepare(): Promise<IngestionResources> {
    const { azurite } = this.options;
    await Promise.all([
      this.ready.createIfNotExists(),
      this.failed.createIfNotExists(),
      this.succeeded.createIfNotExists(),
    ]);
    const blobService = new BlobServiceClient(`${azurite.blobUrl}?${this.sas}`);
    await blobService.getContainerClient(TEMP_CONTAINER).createIfNotExists();
    return {
      readyQueue: `${azurite.queueUrl}/${READY_QUEUE}?${this.sas}`,
      failedQueue: `${azurite.queueUrl}/${FAILED_QUEUE}?${this.sas}`,
      successQueue: `${azurite.queueUrl}/${SUCCESS_QUEUE}?${this.sas}`,
      tempStorage: [`${azurite.blobUrl}/${TEMP_CONTAINER}?${this.sas}`],
      statusTable: `${azurite.tableUrl}/${STATUS_TABLE}?${this.sas}`,
    };
  }

  start(): void {
    if (this.options.pollMs <= 0) return;
    const tick = (): void => {
      if (this.stopped) return;
      this.drain()
        .catch((error: unknown) =>
          process.emitWarning(`local Kusto queued ingestion: ${(error as Error).message}`),
        )
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs);
        });
    };
    this.timer = setTimeout(tick, this.options.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running.catch(() => 0);
  }

  /** The next `fault.count` batches (of `fault.table`, or any) fail with this report instead of being ingested. */
  injectFailures(fault: IngestionFault): void {
    const count = fault.count ?? 1;
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`injectFailures: count must be a positive whole number, got ${fault.count}.`);
    if (fault.status !== 'Transient' && fault.status !== 'Permanent')
      throw new Error(
        `injectFailures: status must be 'Transient' or 'Permanent', got '${String(fault.status)}'.`,
      );
    this.faults.push({ fault, left: count });
  }

  private takeFault(table: string): FailureReport | undefined {
    const index = this.faults.findIndex((f) => f.fault.table === undefined || f.fault.table === table);
    if (index < 0) return undefined;
    const entry = this.faults[index]!;
    if (--entry.left === 0) this.faults.splice(index, 1);
    const { status } = entry.fault;
    return {
      status,
      errorCode:
        entry.fault.errorCode ??
        (status === 'Transient' ? 'General_TransientFailure' : 'BadRequest_InvalidBlob'),
      details:
        entry.fault.details ??
        (status === 'Transient'
          ? 'Injected transient failure: the service could not complete the ingestion; retrying may succeed.'
          : 'Injected permanent failure: the service rejected the batch.'),
    };
  }

  /** Processes every message visible now (one drain at a time); returns the number of batches ingested. */
  drain(): Promise<number> {
    const next = this.running.catch(() => 0).then(() => this.drainOnce());
    this.running = next;
    return next;
  }

  private async drainOnce(): Promise<number> {
    if (this.options.honourBatchingPolicy) return this.drainBatched();
    let ingested = 0;
    for (;;) {
      const received = await this.ready.receiveMessages({
        numberOfMessages: 32,
        visibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
      });
      if (received.receivedMessageItems.length === 0) return ingested;
      for (const item of received.receivedMessageItems) {
        if (await this.process(item.messageText)) ingested++;
        await this.ready.deleteMessage(item.messageId, item.popReceipt);
      }
    }
  }

  /**
   * Reads every visible message, groups them by table, and ingests a table's group only once its oldest message is
   * as old as the table's batching time; a group not yet due goes back on the queue, invisible until it is.
   */
  private async drainBatched(): Promise<number> {
    const items: { messageId: string; popReceipt: string; messageText: string }[] = [];
    while (items.length < BATCHING_DRAIN_LIMIT) {
      const received = await this.ready.receiveMessages({
        numberOfMessages: 32,
        visibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
      });
      if (received.receivedMessageItems.length === 0) break;
      items.push(...received.receivedMessageItems);
    }
    const groups = new Map<string, { header?: MessageHeader; items: typeof items }>();
    for (const item of items) {
      const header = peekHeader(item.messageText);
      const key = header ? `${header.database}\u0000${header.table}` : '';
      let group = groups.get(key);
      if (!group) {
        group = { header, items: [] };
        groups.set(key, group);
      }
      group.items.push(item);
    }
    let ingested = 0;
    const now = this.options.clock.now();
    const ingest = async (item: (typeof items)[number]): Promise<void> => {
      if (await this.process(item.messageText)) ingested++;
      await this.ready.deleteMessage(item.messageId, item.popReceipt);
    };
    for (const [key, group] of groups) {
      const created = (item: (typeof items)[number]): number => peekHeader(item.messageText)?.created ?? 0;
      // Late members of a batch already sealed (made visible again a moment after the others) go in at once.
      const sealedAt = this.sealed.get(key) ?? Number.NEGATIVE_INFINITY;
      const late = group.items.filter((item) => created(item) <= sealedAt);
      for (const item of late) await ingest(item);
      const open = group.items.filter((item) => created(item) > sealedAt);
      if (open.length === 0) continue;
      const oldest = Math.min(this.opened.get(key) ?? Number.POSITIVE_INFINITY, ...open.map(created));
      const dueAt = oldest + this.batchingSpan(group.header);
      if (dueAt > now) {
        this.opened.set(key, oldest);
        const seconds = Math.max(1, Math.ceil((dueAt - now) / 1000));
        for (const item of open)
          await this.ready.updateMessage(item.messageId, item.popReceipt, undefined, seconds);
        continue;
      }
      this.opened.delete(key);
      this.sealed.set(key, now);
      for (const item of open) await ingest(item);
    }
    return ingested;
  }

  private batchingSpan(header: MessageHeader | undefined): number {
    if (!header) return 0;
    const policy = this.options.store.getTable(header.database, header.table)?.batchingPolicy;
    if (!policy) return DEFAULT_BATCHING_MS;
    try {
      const span = parseTimespan(
        (JSON.parse(policy) as { MaximumBatchingTimeSpan?: unknown }).MaximumBatchingTimeSpan,
      );
      return span ?? DEFAULT_BATCHING_MS;
    } catch {
      return DEFAULT_BATCHING_MS;
    }
  }

  /** Returns true when the batch was ingested (false when skipped or failed — both are reported, never retried). */
  private async process(messageText: string): Promise<boolean> {
    let message: IngestionMessage;
    try {
      message = JSON.parse(Buffer.from(messageText, 'base64').toString('utf8')) as IngestionMessage;
    } catch {
      process.emitWarning('local Kusto queued ingestion: dropped a message that is not base64 JSON');
      return false;
    }
    const now = this.options.clock.now();
    try {
      const props = message.AdditionalProperties ?? {};
      const tags = stringList(props.tags);
      const ingestIfNotExists = stringList(props.ingestIfNotExists);
      const { store } = this.options;
      store.ensureDatabase(message.DatabaseName, now);
      const existing = ingestIfNotExists.find((tag) =>
        store.hasExtentTag(message.DatabaseName, message.TableName, `ingest-by:${tag}`),
      );
      if (existing !== undefined) {
        await this.report(message, false, {
          status: 'Permanent',
          errorCode: 'Skipped_IngestByTagAlreadyExists',
          details: `An extent tagged 'ingest-by:${existing}' already exists in table '${message.TableName}'; ingestion skipped (ingestIfNotExists).`,
        });
        await this.deleteSource(message);
        return false;
      }
      const injected = this.takeFault(message.TableName);
      if (injected) {
        await this.report(message, false, injected);
        return false;
      }
      const payload = await this.download(message.BlobPath);
      const format = typeof props.format === 'string' ? props.format : 'csv';
      const rows =
        typeof props.ingestionMapping === 'string'
          ? this.inlineMappedRows(message, payload, props.ingestionMapping, format)
          : prepareRows(store, {
              database: message.DatabaseName,
              table: message.TableName,
              format,
              mappingName:
                typeof props.ingestionMappingReference === 'string'
                  ? props.ingestionMappingReference
                  : undefined,
              payload,
            });
      store.appendExtent(message.DatabaseName, message.TableName, rows, tags, now);
      await this.report(message, true);
      await this.deleteSource(message);
      return true;
    } catch (error) {
      await this.report(message, false, classify(error));
      return false;
    }
  }

  private inlineMappedRows(
    message: IngestionMessage,
    payload: string,
    mappingJson: string,
    format: string,
  ): Record<string, unknown>[] {
    const table = this.options.store.getTable(message.DatabaseName, message.TableName);
    if (!table)
      throw badRequest(
        `Table '${message.TableName}' could not be found in database '${message.DatabaseName}'.`,
      );
    if (!['json', 'multijson', 'singlejson'].includes(format.toLowerCase()))
      throw badRequest(`Ingestion format '${format}' is not supported.`);
    return recordsToRows(parseJsonRecords(payload), table, parseJsonMapping(mappingJson));
  }

  private async download(blobPath: string): Promise<string> {
    const buffer = await new BlobClient(blobPath).downloadToBuffer();
    const gzipped = buffer.length > 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
    return (gzipped ? gunzipSync(buffer) : buffer).toString('utf8');
  }

  private async deleteSource(message: IngestionMessage): Promise<void> {
    if (message.RetainBlobOnSuccess) return;
    await new BlobClient(message.BlobPath).deleteIfExists().catch(() => undefined);
  }

  /**
   * Reports are stamped in wall time whatever clock the endpoint runs on: the cluster works in wall time, and the app
   * compares SucceededOn/FailedOn with its own wall-clock hand-off times.
   */
  private async report(message: IngestionMessage, success: boolean, failure?: FailureReport): Promise<void> {
    const now = Date.now();
    const level = message.ReportLevel ?? 0;
    if (level === REPORT_NONE || (success && level !== REPORT_ALL)) return;
    if (message.ReportMethod === REPORT_TABLE_ONLY) return; // table reporting is not served on Azurite
    const base = {
      OperationId: message.Id,
      Database: message.DatabaseName,
      Table: message.TableName,
      IngestionSourceId: message.Id,
      IngestionSourcePath: message.BlobPath.split('?')[0],
      RootActivityId: message.Id,
    };
    const body = success
      ? { ...base, SucceededOn: new Date(now).toISOString() }
      : {
          ...base,
          FailedOn: new Date(now).toISOString(),
          Details: failure?.details,
          ErrorCode: failure?.errorCode,
          FailureStatus: failure?.status,
          OriginatesFromUpdatePolicy: false,
          ShouldRetry: failure?.status === 'Transient',
        };
    const queue = success ? this.succeeded : this.failed;
    await queue.sendMessage(Buffer.from(JSON.stringify(body)).toString('base64'));
  }
}

/**
 * A rejected batch (the endpoint's own 4xx errors: bad payload, mapping or table) is Permanent with its code, and so is
 * a source blob that does not exist; anything else — storage or the store failed — is Transient, as the service
 * reports failures that a retry may cure.
 */
function classify(error: unknown): FailureReport {
  const details = error instanceof Error ? error.message : String(error);
  if (
    error instanceof KustoLocalError &&
    error.httpStatus >= 400 &&
    error.httpStatus < 500 &&
    error.httpStatus !== 429
  ) {
    const code = error.code === 'BadRequest_EntityNotFound' ? 'BadRequest_TableNotFound' : error.code;
    return { status: 'Permanent', errorCode: code, details };
  }
  if ((error as { statusCode?: unknown }).statusCode === 404)
    return { status: 'Permanent', errorCode: 'Download_SourceNotFound', details };
  return { status: 'Transient', errorCode: 'General_TransientFailure', details };
}

interface MessageHeader {
  database: string;
  table: string;
  /** SourceMessageCreationTime in ms (the ingest client's clock), or 0 when absent. */
  created: number;
}

/** Where a queued message goes and when it was created, without processing it; undefined for an unreadable message. */
function peekHeader(messageText: string): MessageHeader | undefined {
  try {
    const message = JSON.parse(Buffer.from(messageText, 'base64').toString('utf8')) as IngestionMessage & {
      SourceMessageCreationTime?: string;
    };
    const created = Date.parse(message.SourceMessageCreationTime ?? '');
    return {
      database: String(message.DatabaseName),
      table: String(message.TableName),
      created: Number.isNaN(created) ? 0 : created,
    };
  } catch {
    return undefined;
  }
}

/** `tags` / `ingestIfNotExists` arrive as a JSON-encoded string array (or, from other clients, an array). */
function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string' || value.trim() === '') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.map(String) : [String(parsed)];
  } catch {
    return [value];
  }
}
