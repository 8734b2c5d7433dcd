/**
 * One window of one content type: subscribe → list → fan out one fetch per blob (bounded batches) → correlate →
 * ingest (de-duplicated by record Id, tagged per window) → ledger. Deterministic: no I/O, no clock, no randomness.
 * Any activity that still fails after its retries fails the window; the caller retries it, it is never skipped.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  ActivityNames,
  OrchestratorNames,
  addCounts,
  zeroCounts,
  type CorrelateWindowInput,
  type CorrelateWindowOutput,
  type DataLossRange,
  type FetchBatchInput,
  type FetchContentInput,
  type FetchContentOutput,
  type IngestWindowInput,
  type IngestWindowOutput,
  type ListContentInput,
  type ListContentOutput,
  type RecordWindowInput,
  type RunKind,
  type WindowCounts,
} from '../activities/contracts';
import { activityRetry } from './retry';

/** Blobs fetched directly by the window; larger windows fan out through fetchBatch children of this size. */
export const DEFAULT_FETCH_BATCH_SIZE = 200;

export interface ProcessWindowInput {
  /** The loop id or the rewind's instance id: names the exactly-once tag and the pointer documents. */
  runId: string;
  kind: RunKind;
  contentType: string;
  listFrom: string;
  windowStart: string;
  windowEnd: string;
  correlationId: string;
  holdHours: number;
  batchSize?: number;
  dataLoss?: DataLossRange[];
}

export interface ProcessWindowOutput {
  contentType: string;
  windowStart: string;
  windowEnd: string;
  counts: WindowCounts;
  pendingAlerts: number;
}

export function windowKeyOf(
  input: Pick<ProcessWindowInput, 'runId' | 'contentType' | 'windowStart'>,
): string {
  return `${input.runId}-${input.contentType}-${new Date(input.windowStart).toISOString()}`;
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Folds fetch outcomes into window counts. */
export function countFetches(results: FetchContentOutput[]): Partial<WindowCounts> {
  const c = zeroCounts();
  for (const r of results) {
    c.fetched += r.outcome === 'selected' || r.outcome === 'malformed' ? 1 : 0;
    c.recordsSeen += r.recordsSeen;
    c.waitingAlerts += r.waitingCount;
    c.malformedBlobs += r.outcome === 'malformed' ? 1 : 0;
    c.malformedRecords += r.malformedRecords;
    c.expiredContent += r.outcome === 'expired' ? 1 : 0;
    c.missingContent += r.outcome === 'notFound' ? 1 : 0;
  }
  return c;
}

export function* processWindow(ctx: OrchestrationContext): Generator<Task, ProcessWindowOutput, unknown> {
  const input = ctx.df.getInput<ProcessWindowInput>();
  const retry = activityRetry();
  const windowKey = windowKeyOf(input);
  let counts = zeroCounts();

  yield ctx.df.callActivityWithRetry(ActivityNames.ensureSubscription, retry, input.contentType);

  const listInput: ListContentInput = {
    contentType: input.contentType,
    listFrom: input.listFrom,
    windowStart: input.windowStart,
    windowEnd: input.windowEnd,
    skipKnown: input.kind === 'live',
  };
  const listed = (yield ctx.df.callActivityWithRetry(
    ActivityNames.listContent,
    retry,
    listInput,
  )) as ListContentOutput;
  counts = addCounts(counts, {
    listed: listed.listed,
    alreadyProcessed: listed.alreadyProcessed,
    lateContent: listed.lateContent,
  });

  const items: FetchContentInput[] = listed.toFetch.map((content) => ({
    content,
    windowKey,
    windowStart: input.windowStart,
    windowEnd: input.windowEnd,
  }));
  const batchSize = input.batchSize ?? DEFAULT_FETCH_BATCH_SIZE;
  let fetched: FetchContentOutput[];
  if (items.length === 0) {
    // Task.all([]) throws in durable-functions: a quiet window (or one whose blobs the ledger already holds) has
    // nothing to fan out.
    fetched = [];
  } else if (items.length <= batchSize) {
    fetched = (yield ctx.df.Task.all(
      items.map((item) => ctx.df.callActivityWithRetry(ActivityNames.fetchContent, retry, item)),
    )) as FetchContentOutput[];
  } else {
    // Each child's history holds one batch, so the window's own history stays small whatever the volume.
    const children = chunk(items, batchSize).map((batch, i) =>
      ctx.df.callSubOrchestrator(
        OrchestratorNames.fetchBatch,
        { items: batch } satisfies FetchBatchInput,
        `${ctx.df.instanceId}-batch${i}`,
      ),
    );
    fetched = ((yield ctx.df.Task.all(children)) as FetchContentOutput[][]).flat();
  }
  counts = addCounts(counts, countFetches(fetched));

  const correlateInput: CorrelateWindowInput = {
    correlationId: input.correlationId,
    windowKey,
    fetched,
    // Data time, not wall time: a backlog or a rewind ages pending alerts as a live run would have.
    nowIso: input.windowEnd,
    holdHours: input.holdHours,
  };
  const correlated = (yield ctx.df.callActivityWithRetry(
    ActivityNames.correlateWindow,
    retry,
    correlateInput,
  )) as CorrelateWindowOutput;
  counts = addCounts(counts, {
    selectedRows: correlated.selectedRows,
    released: correlated.released,
    expiredAlerts: correlated.expiredAlerts,
  });

  const ingestInput: IngestWindowInput = { rowsDocument: correlated.rowsDocument };
  const ingested = (yield ctx.df.callActivityWithRetry(
    ActivityNames.ingestWindow,
    retry,
    ingestInput,
  )) as IngestWindowOutput;
  counts = addCounts(counts, { ingested: ingested.ingested, duplicateRecords: ingested.duplicateRecords });

  const record: RecordWindowInput = {
    contentType: input.contentType,
    windowStart: input.windowStart,
    windowEnd: input.windowEnd,
    contentIds: listed.toFetch.map((c) => c.contentId),
    run: {
      instanceId: ctx.df.instanceId,
      kind: input.kind,
      at: ctx.df.currentUtcDateTime.toISOString(),
      status: 'done',
      counts,
    },
    ...(input.dataLoss ? { dataLoss: input.dataLoss } : {}),
  };
  yield ctx.df.callActivityWithRetry(ActivityNames.recordWindow, retry, record);

  return {
    contentType: input.contentType,
    windowStart: input.windowStart,
    windowEnd: input.windowEnd,
    counts,
    pendingAlerts: correlated.pendingAlerts,
  };
}

/** A child of a large window: fetches one batch of blobs in parallel and returns their outcomes. */
export function* fetchBatch(ctx: OrchestrationContext): Generator<Task, FetchContentOutput[], unknown> {
  const { items } = ctx.df.getInput<FetchBatchInput>();
  const retry = activityRetry();
  return (yield ctx.df.Task.all(
    items.map((item) => ctx.df.callActivityWithRetry(ActivityNames.fetchContent, retry, item)),
  )) as FetchContentOutput[];
}
