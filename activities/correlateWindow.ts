/**
 * Folds a window's selections into the durable pending-alert store and decides the rows to ingest: rows selected
 * now plus alerts released by a processed investigation (possibly windows after the alert).
 *
 * Idempotent across retries: the result is written under the window's key before the store records the window as
 * applied, and a window already applied returns its stored result instead of consuming pending alerts twice.
 * A later attempt of a failed window may have listed blobs the first one did not (content listed late): only those
 * are folded in and their rows appended, so they are neither lost nor the earlier blobs applied twice.
 */
import { correlate, emptyCorrelationState } from '../src/alerts';
import { ConcurrencyError } from '../src/archive';
import type { CorrelationSummary, SelectionPayload } from '../src/pipeline/model';
import { windowRowsName, type PipelineState } from '../src/pipeline/state';
import type { FetchContentOutput } from './fetchContent';

export interface CorrelateWindowInput {
  /** Whose pending store: the loop id, or a rewind's instance id (rewinds keep their own). */
  correlationId: string;
  windowKey: string;
  fetched: FetchContentOutput[];
  /** From the orchestrator's clock, so a virtual clock ages pending alerts consistently. */
  nowIso: string;
  holdHours: number;
}

export type CorrelateWindowOutput = CorrelationSummary;

/** One fetched blob's selection, with the blob it came from. */
interface FetchedSelection {
  contentId: string;
  payload: SelectionPayload;
}

const MAX_APPLIED = 200;
const MAX_RACE_ATTEMPTS = 5;

export function correlateWindowActivity(deps: { state: () => Promise<PipelineState> }) {
  return async function correlateWindow(input: CorrelateWindowInput): Promise<CorrelateWindowOutput> {
    const state = await deps.state();
    const fetched: FetchedSelection[] = [];
    for (const f of input.fetched) {
      if (f.selection) fetched.push({ contentId: f.contentId, payload: f.selection });
      else if (f.pointer)
        fetched.push({ contentId: f.contentId, payload: await state.readSelection(f.pointer) });
    }
    // Windows of several content types share one store and may finish together: a lost ETag race re-reads and
    // recomputes here rather than costing an activity retry.
    for (let attempt = 1; ; attempt++) {
      try {
        return await applyWindow(state, input, fetched);
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= MAX_RACE_ATTEMPTS) throw e;
      }
    }
  };
}

async function applyWindow(
  state: PipelineState,
  input: CorrelateWindowInput,
  fetched: FetchedSelection[],
): Promise<CorrelationSummary> {
  const stored = await state.readCorrelation(input.correlationId);
  const applied = stored?.value.appliedWindows.includes(input.windowKey) ?? false;
  const previous = applied ? await state.readWindowRows(input.windowKey) : undefined;
  if (previous && !previous.contentIds) return previous.summary;
  const folded = new Set(previous?.contentIds ?? []);
  const fresh = fetched.filter((f) => !folded.has(f.contentId));
  if (previous && fresh.length === 0) return previous.summary;

  const payloads = fresh.map((f) => f.payload);
  const result = correlate(
    stored?.value.state ?? emptyCorrelationState(),
    payloads,
    input.nowIso,
    input.holdHours,
  );
  const selected = payloads.flatMap((p) => p.rows);
  const rows = [...(previous?.rows ?? []), ...selected, ...result.released];
  const summary: CorrelationSummary = {
    rowsDocument: windowRowsName(input.windowKey),
    rowCount: rows.length,
    selectedRows: (previous?.summary.selectedRows ?? 0) + selected.length,
    released: (previous?.summary.released ?? 0) + result.counts.releasedAlerts,
    expiredAlerts: (previous?.summary.expiredAlerts ?? 0) + result.expired.length,
    pendingAlerts: Object.keys(result.state.pending).length,
  };
  await state.putWindowRows(input.windowKey, {
    rows,
    summary,
    expiredAlertIds: [...(previous?.expiredAlertIds ?? []), ...result.expired.map((e) => e.alertId)],
    contentIds: [...folded, ...fresh.map((f) => f.contentId)],
  });
  const appliedWindows = stored?.value.appliedWindows ?? [];
  await state.writeCorrelation(
    input.correlationId,
    {
      state: result.state,
      appliedWindows: applied ? appliedWindows : [...appliedWindows, input.windowKey].slice(-MAX_APPLIED),
    },
    stored?.etag ?? null,
  );
  return summary;
}
