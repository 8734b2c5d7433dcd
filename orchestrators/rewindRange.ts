/**
 * Backfill of [from, to): every window in the range is processed again for every content type — all blobs re-fetched
 * (the ledger is not consulted), the *current* rules re-applied — with progress in custom status. Rows already in the
 * table are filtered by record Id, so rewinding an unchanged range adds nothing. The live checkpoint is never touched.
 * A rewind keeps its own pending-alert store, so re-seen alerts do not disturb the live loop's.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  OrchestratorNames,
  addCounts,
  zeroCounts,
  type RewindInput,
  type RewindStatus,
  type WindowCounts,
} from '../src/pipeline/model';
import { truncateError } from '../src/pipeline/status';
import { isoOf, retryDelayMs, splitRange, windowInstanceId, type RangeMs } from '../src/pipeline/windows';
import { errorMessage, settleAll, subOrchestrationTask } from './call';
import type { ProcessWindowInput, ProcessWindowOutput } from './processWindow';
import { validateRewindInput } from './validate';

export function* rewindRange(ctx: OrchestrationContext): Generator<Task, RewindStatus, unknown> {
  const input = ctx.df.getInput<RewindInput>();
  const { fromMs, toMs } = validateRewindInput(input);
  const windows = splitRange({ startMs: fromMs, endMs: toMs }, input.windowMinutes);
  const status: RewindStatus = {
    from: input.from,
    to: input.to,
    state: 'running',
    windowsDone: 0,
    windowsTotal: windows.length,
    totals: zeroCounts(),
  };
  for (const window of windows) {
    status.currentWindow = `${isoOf(window.startMs)}/${isoOf(window.endMs)}`;
    const counts = yield* rewindWindow(ctx, input, window, status);
    status.totals = addCounts(status.totals, counts);
    status.windowsDone++;
  }
  status.state = 'completed';
  delete status.currentWindow;
  ctx.df.setCustomStatus(status);
  return status;
}

/** One window for every content type, retried with backoff up to `maxAttempts`, then the rewind fails naming it. */
function* rewindWindow(
  ctx: OrchestrationContext,
  input: RewindInput,
  window: RangeMs,
  status: RewindStatus,
): Generator<Task, WindowCounts, unknown> {
  const runId = ctx.df.instanceId;
  const maxAttempts = input.maxAttempts ?? 3;
  const start = isoOf(window.startMs);
  const end = isoOf(window.endMs);
  for (let attempt = 1; ; attempt++) {
    ctx.df.setCustomStatus(status);
    const children = input.contentTypes.map((contentType) =>
      subOrchestrationTask<ProcessWindowInput, ProcessWindowOutput>(
        ctx,
        OrchestratorNames.processWindow,
        {
          ...(input.tenantId ? { tenantId: input.tenantId } : {}),
          ...(input.loopId ? { loopId: input.loopId } : {}),
          runId,
          kind: 'rewind',
          contentType,
          listFrom: start,
          windowStart: start,
          windowEnd: end,
          correlationId: runId,
          holdHours: input.holdHours,
          batchSize: input.batchSize,
          attempt,
        },
        windowInstanceId(runId, contentType, window.startMs, attempt),
      ),
    );
    try {
      const results = yield* settleAll(ctx, children);
      return results.reduce((sum, r) => addCounts(sum, r.counts), zeroCounts());
    } catch (error) {
      status.lastError = truncateError(errorMessage(error));
      if (attempt >= maxAttempts) {
        status.state = 'failed';
        ctx.df.setCustomStatus(status);
        throw new Error(`rewind window ${start}/${end} failed ${attempt} times: ${status.lastError}`);
      }
      yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + retryDelayMs(attempt)));
    }
  }
}
