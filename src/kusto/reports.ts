/**
 * Reading the service's ingestion status reports. Every queued batch is sent with `ReportLevel.FailuresAndSuccesses`
 * and `ReportMethod.Queue`, so the data-management service posts one message per batch outcome on the
 * `SuccessfulIngestionsQueue` or the `FailedIngestionsQueue` that `.get ingestion resources` names. A message is a
 * base64 JSON object: `OperationId, Database, Table, IngestionSourceId, IngestionSourcePath, RootActivityId` and
 * `SucceededOn`, or `FailedOn, Details, ErrorCode, FailureStatus (Permanent|Transient|Exhausted),
 * OriginatesFromUpdatePolicy, ShouldRetry`.
 *
 * The queue URLs come from the SDK's resource manager (the same cached `.get ingestion resources` answer the ingest
 * client uses). The messages are popped here rather than with the SDK's `IngestStatusQueues.pop(n)`, which asks each
 * queue for `n / queues` messages (0 with several queues, 1 with one) and decodes the text as ASCII.
 */
import { QueueClient } from '@azure/storage-queue';
import { DateTime } from 'luxon';

export interface IngestionReport {
  /** IngestionSourceId: the `sourceId` ingestRows / ingestTelemetry returned for the batch. */
  readonly sourceId: string;
  readonly status: 'Succeeded' | 'Failed';
  /**
   * True only for a failure the service marks Permanent: re-sending the same data fails the same way until the cause
   * (mapping, schema, data) is fixed. Transient and retry-exhausted failures are false: a re-send may land.
   */
  readonly permanent: boolean;
  readonly errorCode?: string;
  readonly details?: string;
  /** SucceededOn / FailedOn (ISO 8601 UTC); the time the report was read when the service gave none. */
  readonly at: string;
  readonly database: string;
  /** The alerts and telemetry tables share the status queues: this says which one the batch was for. */
  readonly table: string;
  readonly operationId?: string;
  /**
   * The batch was skipped because an extent with its `ingest-by` tag already exists (`ingestIfNotExists`): its data
   * is in the table from an earlier send, so the report counts as Succeeded.
   */
  readonly alreadyIngested?: boolean;
}

/** The error code the service reports when ingestIfNotExists finds the tag already present. */
export const ALREADY_INGESTED_CODE = 'Skipped_IngestByTagAlreadyExists';

/** Most messages one receive call returns (a Storage Queue limit). */
const RECEIVE_LIMIT = 32;

type Kind = 'success' | 'failure';

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function isoOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const parsed = DateTime.fromISO(value.trim(), { zone: 'utc' });
  return parsed.isValid ? parsed.toUTC().toISO()! : undefined;
}

/**
 * One queue message → a report, or undefined when the message is not a status report (not base64 JSON, or without
 * an IngestionSourceId). `receivedAt` stands in for a missing time.
 */
export function parseStatusMessage(
  messageText: string,
  kind: Kind,
  receivedAt: DateTime,
): IngestionReport | undefined {
  let body: Record<string, unknown>;
  try {
    const decoded = Buffer.from(messageText, 'base64').toString('utf8');
    const parsed: unknown = JSON.parse(decoded);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    body = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const sourceId = text(body.IngestionSourceId);
  if (!sourceId) return undefined;
  const common = {
    sourceId,
    database: text(body.Database) ?? '',
    table: text(body.Table) ?? '',
    operationId: text(body.OperationId),
  };
  const fallbackAt = receivedAt.toUTC().toISO()!;
  if (kind === 'success') {
    return {
      ...common,
      status: 'Succeeded',
      permanent: false,
      at: isoOrUndefined(body.SucceededOn) ?? fallbackAt,
    };
  }
  const errorCode = text(body.ErrorCode);
  const at = isoOrUndefined(body.FailedOn) ?? fallbackAt;
  const details = text(body.Details);
  if (errorCode === ALREADY_INGESTED_CODE) {
    return {
      ...common,
      status: 'Succeeded',
      permanent: false,
      errorCode,
      details,
      at,
      alreadyIngested: true,
    };
  }
  const failureStatus = (text(body.FailureStatus) ?? '').toLowerCase();
  return { ...common, status: 'Failed', permanent: failureStatus === 'permanent', errorCode, details, at };
}

export interface DrainResult {
  readonly reports: IngestionReport[];
  /** Messages on the status queues that were not readable reports (deleted, so they cannot block the queue). */
  readonly unreadable: number;
}

/**
 * Pops up to `max` messages, failures first (they need action), then successes; each message is deleted once parsed.
 * Reports come back ordered by `at`, so for a sourceId sent more than once the last report is the latest outcome.
 */
export async function drainStatusQueues(
  queues: { failure: readonly string[]; success: readonly string[] },
  max: number,
  now: () => DateTime = () => DateTime.utc(),
): Promise<DrainResult> {
  const reports: IngestionReport[] = [];
  let unreadable = 0;
  const sources: [Kind, string][] = [
    ...queues.failure.map((url): [Kind, string] => ['failure', url]),
    ...queues.success.map((url): [Kind, string] => ['success', url]),
  ];
  for (const [kind, url] of sources) {
    const queue = new QueueClient(url);
    while (reports.length + unreadable < max) {
      const wanted = Math.min(RECEIVE_LIMIT, max - reports.length - unreadable);
      const received = await queue.receiveMessages({ numberOfMessages: wanted });
      const items = received.receivedMessageItems;
      if (items.length === 0) break;
      for (const item of items) {
        const report = parseStatusMessage(item.messageText, kind, now());
        if (report) reports.push(report);
        else unreadable++;
        await queue.deleteMessage(item.messageId, item.popReceipt);
      }
    }
  }
  reports.sort((a, b) => a.at.localeCompare(b.at));
  return { reports, unreadable };
}
