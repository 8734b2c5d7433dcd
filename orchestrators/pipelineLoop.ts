/**
 * The eternal loop (instance `o365-pipeline`): one window per generation, then continueAsNew carrying the checkpoint.
 *
 * A generation computes the next whole window from the orchestrator's clock. When caught up it sleeps on a durable
 * timer; otherwise it processes the window for every content type, and then either advances the checkpoint or, when
 * the window failed, backs off — the checkpoint never moves past a failed window. A `stop` event ends the loop after
 * the window in progress. docs/architecture.md ("The live loop") tells the whole story.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  OrchestratorNames,
  STOP_EVENT,
  addCounts,
  zeroCounts,
  type Checkpoint,
  type DataLossRange,
  type LoopSettings,
  type PipelineLoopInput,
  type WindowCounts,
} from '../src/pipeline/model';
import { buildLoopStatus, pushFailure, type LastWindow, type LoopStatus } from '../src/pipeline/status';
import {
  MINUTE_MS,
  initialStart,
  isoOf,
  nextWindow,
  retryDelayMs,
  windowInstanceId,
} from '../src/pipeline/windows';
import { call, errorMessage, settle, subOrchestrationTask } from './call';
import type { ProcessWindowInput, ProcessWindowOutput } from './processWindow';
import { validateLoopInput } from './validate';

/** How a generation ends: the status to show, and the next generation's input unless the loop stops. */
interface GenerationEnd {
  status: LoopStatus;
  next?: PipelineLoopInput;
}

type Loop = PipelineLoopInput & { checkpoint: Checkpoint };
type Window = Extract<ReturnType<typeof nextWindow>, { kind: 'window' }>;

/** What every step of one generation works on: its context, the loop as the generation began, the stop event. */
interface Generation {
  ctx: OrchestrationContext;
  loop: Loop;
  stop: Task;
}

export function* pipelineLoop(ctx: OrchestrationContext): Generator<Task, LoopStatus | undefined, unknown> {
  const input = validateLoopInput(ctx.df.getInput<PipelineLoopInput>());
  const loop: Loop = {
    ...input,
    checkpoint: input.checkpoint ?? (yield* loadOrCreateCheckpoint(ctx, input)),
  };
  const generation: Generation = { ctx, loop, stop: ctx.df.waitForExternalEvent(STOP_EVENT) };
  const next = nextWindow(Date.parse(loop.checkpoint.nextStart), nowMs(ctx), loop.settings);

  let end: GenerationEnd;
  if (next.kind === 'caughtUp') {
    end = yield* sleepUntilDue(generation, next.wakeAtMs);
  } else {
    const run = yield* runWindow(generation, next);
    end = run.ok
      ? yield* advanceCheckpoint(generation, next, run)
      : yield* backOffAfterFailure(generation, next, run);
  }

  ctx.df.setCustomStatus(end.status);
  if (!end.next) return end.status;
  ctx.df.continueAsNew(end.next);
  return undefined;
}

function nowMs(ctx: OrchestrationContext): number {
  return ctx.df.currentUtcDateTime.getTime();
}

export function freshCheckpoint(
  loopId: string,
  now: number,
  settings: LoopSettings,
  tenantId?: string,
): Checkpoint {
  const startFromMs = settings.startFrom ? Date.parse(settings.startFrom) : undefined;
  const start = isoOf(initialStart(now, settings, startFromMs));
  return {
    loopId,
    ...(tenantId ? { tenantId } : {}),
    nextStart: start,
    origin: start,
    updatedAt: isoOf(now),
    windowsDone: 0,
    totals: zeroCounts(),
    dataLoss: [],
  };
}

function* loadOrCreateCheckpoint(
  ctx: OrchestrationContext,
  input: PipelineLoopInput,
): Generator<Task, Checkpoint, unknown> {
  const stored = yield* call(ctx, 'loadCheckpoint', { loopId: input.loopId });
  return stored ?? freshCheckpoint(input.loopId, nowMs(ctx), input.settings, input.tenantId);
}

/** The fields every status of this generation shares. */
function statusOf(
  ctx: OrchestrationContext,
  loop: Loop,
  fields: Partial<LoopStatus> & Pick<LoopStatus, 'state'>,
) {
  return buildLoopStatus(
    {
      loopId: loop.loopId,
      lastWindow: loop.lastWindow,
      pendingAlerts: loop.pendingAlerts ?? 0,
      recentFailures: loop.recentFailures ?? [],
      ...fields,
    },
    loop.checkpoint,
    nowMs(ctx),
  );
}

function* sleepUntilDue(
  { ctx, loop, stop }: Generation,
  wakeAtMs: number,
): Generator<Task, GenerationEnd, unknown> {
  ctx.df.setCustomStatus(statusOf(ctx, loop, { state: 'waiting', nextWakeAt: isoOf(wakeAtMs) }));
  if (yield* stoppedBefore(ctx, wakeAtMs, stop)) return { status: statusOf(ctx, loop, { state: 'stopped' }) };
  return { status: statusOf(ctx, loop, { state: 'waiting' }), next: { ...loop } };
}

/** Waits on a durable timer until `atMs`; true when the stop event came first (the timer is then cancelled). */
function* stoppedBefore(
  ctx: OrchestrationContext,
  atMs: number,
  stop: Task,
): Generator<Task, boolean, unknown> {
  const timer = ctx.df.createTimer(new Date(atMs));
  if ((yield ctx.df.Task.any([timer, stop])) !== stop) return false;
  timer.cancel();
  return true;
}

type WindowRun =
  | { ok: true; results: ProcessWindowOutput[]; stopSeen: boolean; dataLoss?: DataLossRange[] }
  | { ok: false; error: string; stopSeen: boolean };

/** The window being run and its attempt, as the status shows them. */
function currentWindowOf(loop: Loop, next: Window): { start: string; end: string; attempt: number } {
  return { start: isoOf(next.window.startMs), end: isoOf(next.window.endMs), attempt: loop.attempt ?? 1 };
}

/** Every content type's window as a sub-orchestration; a stop event arriving meanwhile is noted, not obeyed yet. */
function* runWindow({ ctx, loop, stop }: Generation, next: Window): Generator<Task, WindowRun, unknown> {
  const { start, end, attempt } = currentWindowOf(loop, next);
  const dataLoss = next.dataLoss
    ? [
        {
          from: isoOf(next.dataLoss.startMs),
          to: isoOf(next.dataLoss.endMs),
          reason: 'checkpoint older than the 7-day retention: this range can no longer be listed',
        },
      ]
    : undefined;
  ctx.df.setCustomStatus(
    statusOf(ctx, loop, { state: 'processing', currentWindow: { start, end, attempt } }),
  );

  const children = loop.settings.contentTypes.map((contentType) =>
    subOrchestrationTask<ProcessWindowInput, ProcessWindowOutput>(
      ctx,
      OrchestratorNames.processWindow,
      {
        ...(loop.tenantId ? { tenantId: loop.tenantId } : {}),
        runId: loop.loopId,
        kind: 'live',
        contentType,
        listFrom: isoOf(Math.max(next.listFromMs, Date.parse(loop.checkpoint.origin))),
        windowStart: start,
        windowEnd: end,
        correlationId: loop.loopId,
        holdHours: loop.settings.holdHours,
        batchSize: loop.settings.batchSize,
        dataLoss,
        attempt,
      },
      windowInstanceId(loop.loopId, contentType, next.window.startMs, attempt),
    ),
  );
  const work = ctx.df.Task.all(children);
  const stopSeen = (yield ctx.df.Task.any([work, stop])) === stop;
  try {
    return { ok: true, results: yield* settle(work, children), stopSeen, dataLoss };
  } catch (error) {
    return { ok: false, error: errorMessage(error), stopSeen };
  }
}

/** Only now, with every content type archived, ingested and in the ledger, does the checkpoint move. */
function* advanceCheckpoint(
  { ctx, loop, stop }: Generation,
  next: Window,
  { results, stopSeen, dataLoss }: Extract<WindowRun, { ok: true }>,
): Generator<Task, GenerationEnd, unknown> {
  let counts: WindowCounts = zeroCounts();
  let pendingAlerts = 0;
  for (const r of results) {
    counts = addCounts(counts, r.counts);
    pendingAlerts += r.pendingAlerts;
  }
  const checkpoint: Checkpoint = {
    ...loop.checkpoint,
    loopId: loop.loopId,
    nextStart: isoOf(next.window.endMs),
    origin: loop.checkpoint.origin,
    updatedAt: isoOf(nowMs(ctx)),
    windowsDone: loop.checkpoint.windowsDone + 1,
    totals: addCounts(loop.checkpoint.totals, counts),
    dataLoss: [...loop.checkpoint.dataLoss, ...(dataLoss ?? [])].slice(-20),
  };
  const saved = yield* call(ctx, 'saveCheckpoint', { checkpoint });
  // A stop event that came after this generation stopped listening is completed but unobserved, or dropped by
  // continueAsNew; the stored request still counts.
  const stopRequested = stopSeen || stop.isCompleted || saved?.stopRequested === true;
  const lastWindow: LastWindow = { start: isoOf(next.window.startMs), end: checkpoint.nextStart, counts };
  const advanced: Loop = { ...loop, checkpoint, attempt: 1, lastWindow, pendingAlerts };
  const status = statusOf(ctx, advanced, { state: stopRequested ? 'stopped' : 'processing' });
  return stopRequested ? { status } : { status, next: advanced };
}

/** Records the failed run in the ledger, then waits (1, 2, 4 … minutes, capped at an hour) before retrying. */
function* backOffAfterFailure(
  { ctx, loop, stop }: Generation,
  next: Window,
  { error, stopSeen }: Extract<WindowRun, { ok: false }>,
): Generator<Task, GenerationEnd, unknown> {
  const { start, end, attempt } = currentWindowOf(loop, next);
  const recentFailures = pushFailure(loop.recentFailures ?? [], {
    window: `${start}/${end}`,
    attempt,
    at: isoOf(nowMs(ctx)),
    error,
  });
  for (const contentType of loop.settings.contentTypes) {
    yield* call(ctx, 'recordWindow', {
      ...(loop.tenantId ? { tenantId: loop.tenantId } : {}),
      runId: loop.loopId,
      contentType,
      windowStart: start,
      windowEnd: end,
      contentIds: [],
      run: {
        instanceId: windowInstanceId(loop.loopId, contentType, next.window.startMs, attempt),
        kind: 'live',
        at: isoOf(nowMs(ctx)),
        status: 'failed',
        error: recentFailures[recentFailures.length - 1].error,
        attempt,
        lagMinutes: Math.max(0, (nowMs(ctx) - next.window.endMs) / MINUTE_MS),
      },
    });
  }
  const failed: Loop = { ...loop, recentFailures };
  const retryAtMs = nowMs(ctx) + retryDelayMs(attempt);
  const status = statusOf(ctx, failed, {
    state: stopSeen ? 'stopped' : 'retrying',
    currentWindow: { start, end, attempt },
    nextWakeAt: isoOf(retryAtMs),
  });
  if (stopSeen) return { status };
  ctx.df.setCustomStatus(status);
  if (yield* stoppedBefore(ctx, retryAtMs, stop)) return { status: { ...status, state: 'stopped' } };
  return { status, next: { ...failed, attempt: attempt + 1 } };
}
