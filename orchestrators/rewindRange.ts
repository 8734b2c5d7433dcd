/**
 * Backfill of [from, to): every window in the range is processed again for every content type — all blobs re-fetched
 * (the ledger is not consulted), the *current* rules re-applied — with progress in custom status. Rows already in the
 * table are filtered by record Id, so rewinding an unchanged range adds nothing. The live checkpoint is never touched.
 * A rewind keeps its own pending-alert store, so re-seen alerts do not disturb the live loop's.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { OrchestratorNames, addCounts, zeroCounts, type WindowCounts } from '../activities/contracts';
import type { ProcessWindowInput, ProcessWindowOutput } from './processWindow';
import { truncateError } from './status';
import { retryDelayMs, splitRange, windowInstanceId } from './windows';

export interface RewindInput {
  from: string;
  to: string;
  contentTypes: string[];
  windowMinutes: number;
  holdHours: number;
  batchSize?: number;
  /** Attempts per window before the rewind gives up and fails (naming the window). */
  maxAttempts?: number;
}

export interface RewindStatus {
  from: string;
  to: string;
  state: 'running' | 'completed' | 'failed';
  windowsDone: number;
  windowsTotal: number;
  currentWindow?: string;
  totals: WindowCounts;
  lastError?: string;
}

export function* rewindRange(ctx: OrchestrationContext): Generator<Task, RewindStatus, unknown> {
  const input = ctx.df.getInput<RewindInput>();
  const runId = ctx.df.instanceId;
  const windows = splitRange(
    { startMs: Date.parse(input.from), endMs: Date.parse(input.to) },
    input.windowMinutes,
  );
  const maxAttempts = input.maxAttempts ?? 3;
  const status: RewindStatus = {
    from: input.from,
    to: input.to,
    state: 'running',
    windowsDone: 0,
    windowsTotal: windows.length,
    totals: zeroCounts(),
  };

  for (const window of windows) {
    const startIso = new Date(window.startMs).toISOString();
    const endIso = new Date(window.endMs).toISOString();
    status.currentWindow = `${startIso}/${endIso}`;
    for (let attempt = 1; ; attempt++) {
      ctx.df.setCustomStatus(status);
      try {
        const results = (yield ctx.df.Task.all(
          input.contentTypes.map((contentType) =>
            ctx.df.callSubOrchestrator(
              OrchestratorNames.processWindow,
              {
                runId,
                kind: 'rewind',
                contentType,
                listFrom: startIso,
                windowStart: startIso,
                windowEnd: endIso,
                correlationId: runId,
                holdHours: input.holdHours,
                batchSize: input.batchSize,
              } satisfies ProcessWindowInput,
              windowInstanceId(runId, contentType, window.startMs, attempt),
            ),
          ),
        )) as ProcessWindowOutput[];
        for (const r of results) status.totals = addCounts(status.totals, r.counts);
        break;
      } catch (error) {
        status.lastError = truncateError(error instanceof Error ? error.message : String(error));
        if (attempt >= maxAttempts) {
          status.state = 'failed';
          ctx.df.setCustomStatus(status);
          throw new Error(`rewind window ${startIso}/${endIso} failed ${attempt} times: ${status.lastError}`);
        }
        yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + retryDelayMs(attempt)));
      }
    }
    status.windowsDone++;
  }
  status.state = 'completed';
  delete status.currentWindow;
  ctx.df.setCustomStatus(status);
  return status;
}
