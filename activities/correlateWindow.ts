/**
 * Folds a window's selections into the durable pending-alert store and decides the rows to ingest: rows selected
 * now plus alerts released by a processed investigation (possibly windows after the alert).
 *
 * Idempotent across retries: the result is written under the window's key before the store records the window as
 * applied, and a window already applied returns its stored result instead of consuming pending alerts twice.
 * A later attempt of a failed window may have listed blobs the first one did not (content listed late): only those
 * are folded in and their rows appended, so they are neither lost nor the earlier blobs applied twice.
 */
import { correlate, emptyCorrelationState, type CorrelationState } from '../src/alerts';
import { ConcurrencyError, documentNames, type ArchiveStore } from '../src/archive';
import type { AlertRow } from '../src/kusto/schema';
import { getArchive } from '../src/runtime';
import type { CorrelateWindowInput, CorrelateWindowOutput, SelectionPayload } from './contracts';
import { getDocument, putDocument } from './documents';

/** Stored under state/correlation/<id>.json. */
export interface CorrelationDocument {
  state: CorrelationState;
  /** Window keys already folded in (newest last, bounded). */
  appliedWindows: string[];
}

export interface WindowRowsDocument {
  rows: AlertRow[];
  summary: CorrelateWindowOutput;
  /** AlertIds whose hold expired in this window without a processed investigation (reported, never silent). */
  expiredAlertIds: string[];
  /** The blobs folded in so far; absent in documents written before it was kept (treated as complete). */
  contentIds?: string[];
}

/** One fetched blob's selection, with the blob it came from. */
interface FetchedSelection {
  contentId: string;
  payload: SelectionPayload;
}

const MAX_APPLIED = 200;

export function windowRowsName(windowKey: string): string {
  return documentNames.selection(windowKey, '_window-rows');
}

export async function correlateWindow(input: CorrelateWindowInput): Promise<CorrelateWindowOutput> {
  const archive = await getArchive();
  const payloads: FetchedSelection[] = [];
  for (const f of input.fetched) {
    if (f.selection) payloads.push({ contentId: f.contentId, payload: f.selection });
    else if (f.pointer) {
      payloads.push({
        contentId: f.contentId,
        payload: await getDocument<SelectionPayload>(archive, f.pointer),
      });
    }
  }
  // Windows of several content types share one store and may finish together: a lost ETag race re-reads and
  // recomputes here rather than costing an activity retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyWindow(archive, input, payloads);
    } catch (e) {
      if (!(e instanceof ConcurrencyError) || attempt >= 5) throw e;
    }
  }
}

async function applyWindow(
  archive: ArchiveStore,
  input: CorrelateWindowInput,
  fetched: FetchedSelection[],
): Promise<CorrelateWindowOutput> {
  const stateName = documentNames.correlation(input.correlationId);
  const rowsName = windowRowsName(input.windowKey);
  const stored = await archive.readJson<CorrelationDocument>(stateName);
  const applied = stored?.value.appliedWindows.includes(input.windowKey) ?? false;
  const previous = applied ? await getDocument<WindowRowsDocument>(archive, rowsName) : undefined;
  if (previous && !previous.contentIds) return previous.summary;
  const folded = new Set(previous?.contentIds ?? []);
  const fresh = fetched.filter((f) => !folded.has(f.contentId));
  if (previous && fresh.length === 0) return previous.summary;

  const payloads = fresh.map((f) => f.payload);
  const state = stored?.value.state ?? emptyCorrelationState();
  const result = correlate(state, payloads, input.nowIso, input.holdHours);
  const selected = payloads.flatMap((p) => p.rows);
  const rows = [...(previous?.rows ?? []), ...selected, ...result.released];
  const summary: CorrelateWindowOutput = {
    rowsDocument: rowsName,
    rowCount: rows.length,
    selectedRows: (previous?.summary.selectedRows ?? 0) + selected.length,
    released: (previous?.summary.released ?? 0) + result.released.length,
    expiredAlerts: (previous?.summary.expiredAlerts ?? 0) + result.expired.length,
    pendingAlerts: Object.keys(result.state.pending).length,
  };
  await putDocument<WindowRowsDocument>(archive, rowsName, {
    rows,
    summary,
    expiredAlertIds: [...(previous?.expiredAlertIds ?? []), ...result.expired.map((e) => e.alertId)],
    contentIds: [...folded, ...fresh.map((f) => f.contentId)],
  });
  const appliedWindows = stored?.value.appliedWindows ?? [];
  await archive.writeJson<CorrelationDocument>(
    stateName,
    {
      state: result.state,
      appliedWindows: applied ? appliedWindows : [...appliedWindows, input.windowKey].slice(-MAX_APPLIED),
    },
    stored?.etag ?? null,
  );
  return summary;
}
