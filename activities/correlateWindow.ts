/**
 * Folds a window's selections into the durable pending-alert store and decides the rows to ingest: rows selected
 * now plus alerts released by a processed investigation (possibly windows after the alert).
 *
 * Idempotent across retries: the result is written under the window's key before the store records the window as
 * applied, and a window already applied returns its stored result instead of consuming pending alerts twice.
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
}

const MAX_APPLIED = 200;

export function windowRowsName(windowKey: string): string {
  return documentNames.selection(windowKey, '_window-rows');
}

export async function correlateWindow(input: CorrelateWindowInput): Promise<CorrelateWindowOutput> {
  const archive = await getArchive();
  const payloads: SelectionPayload[] = [];
  for (const f of input.fetched) {
    if (f.selection) payloads.push(f.selection);
    else if (f.pointer) payloads.push(await getDocument<SelectionPayload>(archive, f.pointer));
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
  payloads: SelectionPayload[],
): Promise<CorrelateWindowOutput> {
  const stateName = documentNames.correlation(input.correlationId);
  const rowsName = windowRowsName(input.windowKey);
  const stored = await archive.readJson<CorrelationDocument>(stateName);
  if (stored?.value.appliedWindows.includes(input.windowKey)) {
    return (await getDocument<WindowRowsDocument>(archive, rowsName)).summary;
  }
  const state = stored?.value.state ?? emptyCorrelationState();
  const result = correlate(state, payloads, input.nowIso, input.holdHours);
  const selected = payloads.flatMap((p) => p.rows);
  const rows = [...selected, ...result.released];
  const summary: CorrelateWindowOutput = {
    rowsDocument: rowsName,
    rowCount: rows.length,
    selectedRows: selected.length,
    released: result.released.length,
    expiredAlerts: result.expired.length,
    pendingAlerts: Object.keys(result.state.pending).length,
  };
  await putDocument<WindowRowsDocument>(archive, rowsName, {
    rows,
    summary,
    expiredAlertIds: result.expired.map((e) => e.alertId),
  });
  await archive.writeJson<CorrelationDocument>(
    stateName,
    {
      state: result.state,
      appliedWindows: [...(stored?.value.appliedWindows ?? []), input.windowKey].slice(-MAX_APPLIED),
    },
    stored?.etag ?? null,
  );
  return summary;
}
