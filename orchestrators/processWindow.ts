/**
 * One window of one content type: subscribe → list → one fetch per blob (as many at once as the tenant's budget
 * serves, in bounded batches) → correlate → ingest (de-duplicated by record Id, tagged per window) → ledger.
 * Deterministic: no I/O, no clock, no randomness.
 * An activity that still fails after its retries fails the window; the caller retries it, it is never skipped.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import type {
  FetchContentInput,
  FetchContentOutput,
  ListContentOutput,
  RecordWindowInput,
} from '../activities';
import {
  OrchestratorNames,
  addCounts,
  zeroCounts,
  type CorrelationSummary,
  PIPELINE_INSTANCE_ID,
  type DataLossRange,
  type LatencySamples,
  type LostBlob,
  type RunKind,
  type WindowCounts,
} from '../src/pipeline/model';
import { MINUTE_MS, isoOf } from '../src/pipeline/windows';
import { activityTask, call, settleInWaves, subOrchestrationTask } from './call';

/** Blobs fetched directly by the window; larger windows fan out through fetchBatch children of this size. */
export const DEFAULT_FETCH_BATCH_SIZE = 200;

export interface ProcessWindowInput {
  /** Absent in single-tenant histories: the first tenant. */
  tenantId?: string;
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
  /** The caller's attempt at this window (1 = first); absent in older histories. */
  attempt?: number;
  /**
   * The live loop whose parked set takes this window's unfetchable blobs and whose windows retry them. Default: the
   * run id for a live window, the single loop's id for a rewind.
   */
  loopId?: string;
}

export interface ProcessWindowOutput {
  contentType: string;
  windowStart: string;
  windowEnd: string;
  counts: WindowCounts;
  pendingAlerts: number;
}

export interface FetchBatchInput {
  items: FetchContentInput[];
  /** Fetches at once (absent in older histories: all). */
  inFlight?: number;
}

export function* processWindow(ctx: OrchestrationContext): Generator<Task, ProcessWindowOutput, unknown> {
  const input = ctx.df.getInput<ProcessWindowInput>();
  const windowKey = windowKeyOf(input);

  const tenant = tenantOf(input);
  const clock = stageClock(ctx);
  yield* call(
    ctx,
    'ensureSubscription',
    input.tenantId ? { tenantId: input.tenantId, contentType: input.contentType } : input.contentType,
  );
  clock.lap('subscribe');
  const listed = yield* call(ctx, 'listContent', {
    ...tenant,
    contentType: input.contentType,
    listFrom: input.listFrom,
    windowStart: input.windowStart,
    windowEnd: input.windowEnd,
    skipKnown: input.kind === 'live',
    windowKey,
    loopId: parkedSetOf(input),
  });
  clock.lap('list');
  const fetched = yield* fetchAll(ctx, input, listed, windowKey);
  clock.lap('fetch');
  const correlated = yield* call(ctx, 'correlateWindow', {
    correlationId: input.correlationId,
    windowKey,
    fetched,
    // Data time, not wall time: a backlog or a rewind ages pending alerts as a live run would have.
    nowIso: input.windowEnd,
    holdHours: input.holdHours,
  });
  clock.lap('correlate');
  const ingested = yield* call(ctx, 'ingestWindow', { ...tenant, rowsDocument: correlated.rowsDocument });
  clock.lap('ingest');
  const counts = windowCounts(listed, fetched, correlated, ingested, input.dataLoss);
  yield* call(
    ctx,
    'recordWindow',
    doneRecord(ctx, input, { listed, fetched, ingested, counts, stages: clock.stages }),
  );
  return { ...windowOf(input), counts, pendingAlerts: correlated.pendingAlerts };
}

/** The ledger and telemetry record of a window run that completed. */
function doneRecord(
  ctx: OrchestrationContext,
  input: ProcessWindowInput,
  run: {
    listed: ListContentOutput;
    fetched: FetchContentOutput[];
    ingested: { handedAt?: string; queryableAt?: string };
    counts: WindowCounts;
    stages: Record<string, number>;
  },
): RecordWindowInput {
  const now = ctx.df.currentUtcDateTime.getTime();
  return {
    ...tenantOf(input),
    runId: input.runId,
    latency: latencySamples(run.listed, run.fetched, run.ingested),
    contentType: input.contentType,
    windowStart: input.windowStart,
    windowEnd: input.windowEnd,
    contentIds: run.listed.toFetch.map((c) => c.contentId),
    run: {
      instanceId: ctx.df.instanceId,
      kind: input.kind,
      at: isoOf(now),
      status: 'done',
      counts: run.counts,
      ...(input.attempt ? { attempt: input.attempt } : {}),
      stageSeconds: run.stages,
      lagMinutes: Math.max(0, (now - Date.parse(input.windowEnd)) / MINUTE_MS),
    },
    ...dataLossOf(input.dataLoss, run.listed.givenUp),
    ...(input.kind === 'live' ? { parkedLoopId: parkedSetOf(input) } : {}),
  };
}

/** A child of a large window: fetches one batch of blobs in waves of `inFlight` (older inputs: all at once). */
export function* fetchBatch(ctx: OrchestrationContext): Generator<Task, FetchContentOutput[], unknown> {
  const { items, inFlight } = ctx.df.getInput<FetchBatchInput>();
  return yield* fetchEach(ctx, items, inFlight);
}

/**
 * One fetch per listed blob, in waves of the listing's `fetchesInFlight`: directly for a small window; through
 * fetchBatch children for a large one, so each child's history holds one batch and the window's own history stays
 * small whatever the volume. Children run side by side only as far as the limit needs more than one batch.
 */
function* fetchAll(
  ctx: OrchestrationContext,
  input: ProcessWindowInput,
  listed: ListContentOutput,
  windowKey: string,
): Generator<Task, FetchContentOutput[], unknown> {
  const items: FetchContentInput[] = listed.toFetch.map((content) => ({
    ...tenantOf(input),
    content,
    windowKey,
    windowStart: input.windowStart,
    windowEnd: input.windowEnd,
    loopId: parkedSetOf(input),
  }));
  const limit = listed.fetchesInFlight;
  const batchSize = input.batchSize ?? DEFAULT_FETCH_BATCH_SIZE;
  if (items.length <= batchSize) return yield* fetchEach(ctx, items, limit);
  const children = chunk(items, batchSize);
  // Older histories ran every child at once, each fetching its whole batch at once: a wave of everything.
  const childrenAtOnce = limit === undefined ? children.length : Math.ceil(limit / batchSize);
  const inFlight = limit === undefined ? undefined : Math.ceil(limit / childrenAtOnce);
  const starts = children.map(
    (batch, i) => () =>
      subOrchestrationTask<FetchBatchInput, FetchContentOutput[]>(
        ctx,
        OrchestratorNames.fetchBatch,
        { items: batch, ...(inFlight === undefined ? {} : { inFlight }) },
        `${ctx.df.instanceId}-batch${i}`,
      ),
  );
  return (yield* settleInWaves(ctx, starts, childrenAtOnce)).flat();
}

/** Fetches `items` in waves of `limit`; without a limit (older histories) in one wave, as they ran. */
function* fetchEach(
  ctx: OrchestrationContext,
  items: FetchContentInput[],
  limit: number | undefined,
): Generator<Task, FetchContentOutput[], unknown> {
  const starts = items.map((item) => () => activityTask(ctx, 'fetchContent', item));
  return yield* settleInWaves(ctx, starts, limit ?? starts.length);
}

/** Blobs whose times a run record carries: enough for percentiles, small enough for orchestration history. */
const LATENCY_BLOBS = 200;

function latencySamples(
  listed: ListContentOutput,
  fetched: FetchContentOutput[],
  ingested: { handedAt?: string; queryableAt?: string },
): LatencySamples {
  const selected = fetched.filter((f) => f.outcome === 'selected' && f.fetchedAt).slice(0, LATENCY_BLOBS);
  const createdOf = new Map(listed.toFetch.map((c) => [c.contentId, c.contentCreated]));
  return {
    creationLagSeconds: selected.flatMap((f) => f.creationLagSeconds ?? []),
    blobs: selected.flatMap((f) => {
      const contentCreated = createdOf.get(f.contentId);
      return contentCreated && f.fetchedAt ? [{ contentCreated, fetchedAt: f.fetchedAt }] : [];
    }),
    ...(listed.listedAt ? { listedAt: listed.listedAt } : {}),
    ...(ingested.handedAt ? { handedAt: ingested.handedAt } : {}),
    ...(ingested.queryableAt ? { queryableAt: ingested.queryableAt } : {}),
  };
}

/** Orchestrator time spent in each stage (replay-safe: it reads only ctx.df.currentUtcDateTime). */
function stageClock(ctx: OrchestrationContext) {
  let last = ctx.df.currentUtcDateTime.getTime();
  const stages: Record<string, number> = {};
  return {
    stages,
    lap(stage: string) {
      const now = ctx.df.currentUtcDateTime.getTime();
      stages[stage] = (now - last) / 1000;
      last = now;
    },
  };
}

/** The tenant field of activity inputs: only when the window has one, so single-tenant inputs keep their shape. */
function tenantOf(input: Pick<ProcessWindowInput, 'tenantId'>): { tenantId?: string } {
  return input.tenantId ? { tenantId: input.tenantId } : {};
}

export function windowKeyOf(
  input: Pick<ProcessWindowInput, 'runId' | 'contentType' | 'windowStart'>,
): string {
  return `${input.runId}-${input.contentType}-${isoOf(Date.parse(input.windowStart))}`;
}

/** The live loop owning the parked set this window feeds and retries. */
function parkedSetOf(input: ProcessWindowInput): string {
  return input.loopId ?? (input.kind === 'live' ? input.runId : PIPELINE_INSTANCE_ID);
}

/** The window's data-loss ranges plus one entry per parked blob it gave up (named, with its last error). */
export function dataLossOf(
  ranges: DataLossRange[] | undefined,
  givenUp: LostBlob[] | undefined,
): { dataLoss?: DataLossRange[] } {
  const blobs: DataLossRange[] = (givenUp ?? []).map((b) => ({
    from: b.contentCreated,
    to: b.contentExpiration,
    contentId: b.contentId,
    reason: `parked blob given up at its expiration after ${b.attempts} attempt(s): ${b.lastError}`,
  }));
  const all = [...(ranges ?? []), ...blobs];
  return all.length ? { dataLoss: all } : {};
}

function windowOf(input: ProcessWindowInput) {
  return { contentType: input.contentType, windowStart: input.windowStart, windowEnd: input.windowEnd };
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
    c.parkedBlobs += r.outcome === 'parked' && r.newlyParked === true ? 1 : 0;
    c.recoveredBlobs += r.recovered === true ? 1 : 0;
    c.dataLossBlobs += r.givenUp === true ? 1 : 0;
  }
  return c;
}

function windowCounts(
  listed: ListContentOutput,
  fetched: FetchContentOutput[],
  correlated: CorrelationSummary,
  ingested: { ingested: number; duplicateRecords: number },
  dataLoss: DataLossRange[] | undefined,
): WindowCounts {
  return addCounts(zeroCounts(), {
    ...countFetches(fetched),
    dataLossRanges: dataLoss?.length ?? 0,
    listed: listed.listed,
    alreadyProcessed: listed.alreadyProcessed,
    lateContent: listed.lateContent,
    dataLossBlobs: listed.givenUp?.length ?? 0,
    selectedRows: correlated.selectedRows,
    released: correlated.released,
    expiredAlerts: correlated.expiredAlerts,
    ingested: ingested.ingested,
    duplicateRecords: ingested.duplicateRecords,
  });
}
