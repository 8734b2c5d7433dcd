/**
 * The eternal loop (instance `o365-pipeline`): one window per generation, then continueAsNew carrying the checkpoint.
 *
 * Each generation: compute the next whole window from the orchestrator's clock; when caught up, sleep on a durable
 * timer; otherwise process the window for every content type (sub-orchestrations with deterministic ids), save the
 * checkpoint, and continue. A failing window is retried with backoff and shown in status; the checkpoint never moves
 * past it. A `stop` event ends the loop after the window in progress.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  ActivityNames,
  OrchestratorNames,
  STOP_EVENT,
  addCounts,
  zeroCounts,
  type Checkpoint,
  type LoadCheckpointInput,
  type RecordWindowInput,
  type SaveCheckpointInput,
} from '../activities/contracts';
import type { SavedCheckpoint } from '../activities/checkpoint';
import type { ProcessWindowInput, ProcessWindowOutput } from './processWindow';
import { activityRetry } from './retry';
import { buildLoopStatus, pushFailure, type LastWindow, type LoopStatus, type WindowFailure } from './status';
import { initialStart, nextWindow, retryDelayMs, windowInstanceId, type WindowSettings } from './windows';

export interface LoopSettings extends WindowSettings {
  contentTypes: string[];
  holdHours: number;
  /** First window start when no checkpoint exists (ISO); default one window before now − settle delay. */
  startFrom?: string;
  batchSize?: number;
}

/** The loop's input: the settings from the starter, and what one generation hands to the next. */
export interface PipelineLoopInput {
  loopId: string;
  settings: LoopSettings;
  checkpoint?: Checkpoint;
  attempt?: number;
  recentFailures?: WindowFailure[];
  lastWindow?: LastWindow;
  pendingAlerts?: number;
}

export function freshCheckpoint(loopId: string, nowMs: number, settings: LoopSettings): Checkpoint {
  const startFromMs = settings.startFrom ? Date.parse(settings.startFrom) : undefined;
  const start = new Date(initialStart(nowMs, settings, startFromMs)).toISOString();
  return {
    loopId,
    nextStart: start,
    origin: start,
    updatedAt: new Date(nowMs).toISOString(),
    windowsDone: 0,
    totals: zeroCounts(),
    dataLoss: [],
  };
}

export function* pipelineLoop(ctx: OrchestrationContext): Generator<Task, LoopStatus | undefined, unknown> {
  const input = ctx.df.getInput<PipelineLoopInput>();
  const { loopId, settings } = input;
  const retry = activityRetry();
  const nowMs = ctx.df.currentUtcDateTime.getTime();

  let checkpoint = input.checkpoint;
  if (!checkpoint) {
    const stored = (yield ctx.df.callActivityWithRetry(ActivityNames.loadCheckpoint, retry, {
      loopId,
    } satisfies LoadCheckpointInput)) as Checkpoint | null;
    checkpoint = stored ?? freshCheckpoint(loopId, nowMs, settings);
  }
  const attempt = input.attempt ?? 1;
  let recentFailures = input.recentFailures ?? [];
  const common = {
    loopId,
    lastWindow: input.lastWindow,
    pendingAlerts: input.pendingAlerts ?? 0,
    recentFailures,
  };
  const stop = ctx.df.waitForExternalEvent(STOP_EVENT);
  const next = nextWindow(Date.parse(checkpoint.nextStart), nowMs, settings);

  if (next.kind === 'caughtUp') {
    const wakeAt = new Date(next.wakeAtMs).toISOString();
    ctx.df.setCustomStatus(
      buildLoopStatus({ ...common, state: 'waiting', nextWakeAt: wakeAt }, checkpoint, nowMs),
    );
    const timer = ctx.df.createTimer(new Date(next.wakeAtMs));
    const winner = yield ctx.df.Task.any([timer, stop]);
    if (winner === stop) {
      timer.cancel();
      const stopped = buildLoopStatus({ ...common, state: 'stopped' }, checkpoint, nowMs);
      ctx.df.setCustomStatus(stopped);
      return stopped;
    }
    ctx.df.continueAsNew({ ...input, checkpoint } satisfies PipelineLoopInput);
    return undefined;
  }

  const { window } = next;
  const startIso = new Date(window.startMs).toISOString();
  const endIso = new Date(window.endMs).toISOString();
  const dataLoss = next.dataLoss
    ? [
        {
          from: new Date(next.dataLoss.startMs).toISOString(),
          to: new Date(next.dataLoss.endMs).toISOString(),
          reason: 'checkpoint older than the 7-day retention: this range can no longer be listed',
        },
      ]
    : undefined;
  ctx.df.setCustomStatus(
    buildLoopStatus(
      { ...common, state: 'processing', currentWindow: { start: startIso, end: endIso, attempt } },
      checkpoint,
      nowMs,
    ),
  );

  const work = ctx.df.Task.all(
    settings.contentTypes.map((contentType) =>
      ctx.df.callSubOrchestrator(
        OrchestratorNames.processWindow,
        {
          runId: loopId,
          kind: 'live',
          contentType,
          listFrom: new Date(Math.max(next.listFromMs, Date.parse(checkpoint.origin))).toISOString(),
          windowStart: startIso,
          windowEnd: endIso,
          correlationId: loopId,
          holdHours: settings.holdHours,
          batchSize: settings.batchSize,
          dataLoss,
        } satisfies ProcessWindowInput,
        windowInstanceId(loopId, contentType, window.startMs, attempt),
      ),
    ),
  );
  // The stop event may arrive while the window runs: note it, finish the window, then stop.
  const first = yield ctx.df.Task.any([work, stop]);
  const stopEventSeen = first === stop;
  let results: ProcessWindowOutput[];
  try {
    results = (yield work) as ProcessWindowOutput[];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    recentFailures = pushFailure(recentFailures, {
      window: `${startIso}/${endIso}`,
      attempt,
      at: ctx.df.currentUtcDateTime.toISOString(),
      error: message,
    });
    for (const contentType of settings.contentTypes) {
      yield ctx.df.callActivityWithRetry(ActivityNames.recordWindow, retry, {
        contentType,
        windowStart: startIso,
        windowEnd: endIso,
        contentIds: [],
        run: {
          instanceId: windowInstanceId(loopId, contentType, window.startMs, attempt),
          kind: 'live',
          at: ctx.df.currentUtcDateTime.toISOString(),
          status: 'failed',
          error: recentFailures[recentFailures.length - 1].error,
        },
      } satisfies RecordWindowInput);
    }
    const retryAtMs = ctx.df.currentUtcDateTime.getTime() + retryDelayMs(attempt);
    ctx.df.setCustomStatus(
      buildLoopStatus(
        {
          ...common,
          recentFailures,
          state: stopEventSeen ? 'stopped' : 'retrying',
          currentWindow: { start: startIso, end: endIso, attempt },
          nextWakeAt: new Date(retryAtMs).toISOString(),
        },
        checkpoint,
        nowMs,
      ),
    );
    if (stopEventSeen) return undefined;
    const timer = ctx.df.createTimer(new Date(retryAtMs));
    if ((yield ctx.df.Task.any([timer, stop])) === stop) {
      timer.cancel();
      return undefined;
    }
    ctx.df.continueAsNew({
      ...input,
      checkpoint,
      attempt: attempt + 1,
      recentFailures,
    } satisfies PipelineLoopInput);
    return undefined;
  }

  let counts = zeroCounts();
  let pendingAlerts = 0;
  for (const r of results) {
    counts = addCounts(counts, r.counts);
    pendingAlerts += r.pendingAlerts;
  }
  const doneAt = ctx.df.currentUtcDateTime;
  const advanced: Checkpoint = {
    loopId,
    nextStart: endIso,
    origin: checkpoint.origin,
    updatedAt: doneAt.toISOString(),
    windowsDone: checkpoint.windowsDone + 1,
    totals: addCounts(checkpoint.totals, counts),
    dataLoss: [...checkpoint.dataLoss, ...(dataLoss ?? [])].slice(-20),
  };
  // Only now, with every content type archived, ingested and in the ledger, does the checkpoint move.
  const saved = (yield ctx.df.callActivityWithRetry(ActivityNames.saveCheckpoint, retry, {
    checkpoint: advanced,
  } satisfies SaveCheckpointInput)) as SavedCheckpoint | undefined;
  // The stop event may have come after this generation stopped listening (it is then completed but unobserved, or
  // not delivered before continueAsNew drops it); the stored request still counts.
  const stopRequested = stopEventSeen || stop.isCompleted === true || saved?.stopRequested === true;
  const lastWindow: LastWindow = { start: startIso, end: endIso, counts };
  const status = buildLoopStatus(
    { loopId, lastWindow, pendingAlerts, recentFailures, state: stopRequested ? 'stopped' : 'processing' },
    advanced,
    doneAt.getTime(),
  );
  ctx.df.setCustomStatus(status);
  if (stopRequested) return status;
  ctx.df.continueAsNew({
    loopId,
    settings,
    checkpoint: advanced,
    attempt: 1,
    recentFailures,
    lastWindow,
    pendingAlerts,
  } satisfies PipelineLoopInput);
  return undefined;
}
