/**
 * The live loop's custom status: what an operator needs at a glance (GET /api/pipeline/status). Built by a pure
 * function and trimmed so it always fits the Durable custom-status limit (16 KB).
 */
import { MINUTE_MS } from './windows';
import type { Checkpoint, DataLossRange, WindowCounts } from './model';

export const MAX_STATUS_BYTES = 16 * 1024;
const MAX_FAILURES = 5;
const MAX_ERROR_CHARS = 400;

export interface WindowFailure {
  window: string;
  attempt: number;
  at: string;
  error: string;
}

export interface LastWindow {
  start: string;
  end: string;
  counts: WindowCounts;
}

export interface LoopStatus {
  loopId: string;
  state: 'processing' | 'waiting' | 'retrying' | 'stopped';
  checkpoint: string;
  /** How far the checkpoint is behind the orchestrator's now, in minutes. */
  lagMinutes: number;
  currentWindow?: { start: string; end: string; attempt: number };
  nextWakeAt?: string;
  lastWindow?: LastWindow;
  windowsDone: number;
  totals: WindowCounts;
  pendingAlerts: number;
  recentFailures: WindowFailure[];
  dataLoss: DataLossRange[];
}

export function truncateError(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_ERROR_CHARS ? `${oneLine.slice(0, MAX_ERROR_CHARS - 1)}…` : oneLine;
}

/** Keeps the newest failures only. */
export function pushFailure(list: WindowFailure[], failure: WindowFailure): WindowFailure[] {
  return [...list, { ...failure, error: truncateError(failure.error) }].slice(-MAX_FAILURES);
}

export function buildLoopStatus(
  fields: Omit<LoopStatus, 'lagMinutes' | 'checkpoint' | 'windowsDone' | 'totals' | 'dataLoss'>,
  checkpoint: Checkpoint,
  nowMs: number,
): LoopStatus {
  const status: LoopStatus = {
    ...fields,
    checkpoint: checkpoint.nextStart,
    lagMinutes: Math.max(0, Math.round((nowMs - Date.parse(checkpoint.nextStart)) / MINUTE_MS)),
    windowsDone: checkpoint.windowsDone,
    totals: checkpoint.totals,
    dataLoss: checkpoint.dataLoss.slice(-5),
  };
  // Failures carry the only unbounded text; drop the oldest until it fits.
  while (Buffer.byteLength(JSON.stringify(status)) > MAX_STATUS_BYTES && status.recentFailures.length > 0) {
    status.recentFailures = status.recentFailures.slice(1);
  }
  return status;
}
