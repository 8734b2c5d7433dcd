/**
 * Ingests a window's rows exactly once: duplicates inside the batch and record Ids already in the table are dropped
 * (the same record in two blobs, a re-listing, a rewind), and the batch is tagged by its content so the cluster skips
 * a batch it already holds (queued mode).
 *
 * Why a content tag rather than the window id: queued rows become queryable only after the cluster's batching, so
 * the Id check cannot see them yet. A retry of the window, and a rewind of it soon after, produce the same rows and so
 * the same tag, which the cluster skips; a batch with different rows (a new rule onboarded) gets a new tag.
 *
 * A queued batch is not assumed safe: it is recorded (state/ingestions/<sourceId>.json, status 'pending') and the
 * verifyIngestions timer settles it from the cluster's ingestion reports — re-sent after a transient failure,
 * reported with its rows document, Ids and the service's error after a permanent one.
 */
import { createHash } from 'node:crypto';
import type { KustoSink } from '../src/kusto';
import type { AlertRow } from '../src/kusto/schema';
import { queuedBatchName, type PipelineState } from '../src/pipeline/state';
import { isoOf } from '../src/pipeline/windows';

export interface IngestWindowInput {
  rowsDocument: string;
  /** Whose rows (fills TenantName); absent in single-tenant histories: the first tenant. */
  tenantId?: string;
}

/** The window key from a rows document name (selections/<windowKey>/_window-rows.json). */
export function windowKeyOfRowsDocument(rowsDocument: string): string {
  const parts = rowsDocument.split('/');
  return parts.length >= 3 ? decodeURIComponent(parts[parts.length - 2]) : rowsDocument;
}

export interface IngestWindowOutput {
  ingested: number;
  duplicateRecords: number;
  /** When the rows were handed to Kusto (wall time, ISO); absent when there was nothing to hand over. */
  handedAt?: string;
  /**
   * Streaming mode: when a query first saw a handed row (one Id, checked once right after the hand-off). Absent in
   * queued mode, where the cluster's success report times the batch (verifyIngestions).
   */
  queryableAt?: string;
}

/** First row per Id wins (rows arrive in listing order, so the earliest blob's copy is kept). */
export function uniqueById(rows: AlertRow[]): { unique: AlertRow[]; duplicates: number } {
  const seen = new Set<string>();
  const unique: AlertRow[] = [];
  for (const row of rows) {
    const id = String(row.Id);
    if (seen.has(id)) continue;
    seen.add(id);
    unique.push(row);
  }
  return { unique, duplicates: rows.length - unique.length };
}

/** The exactly-once tag of a batch: a digest of its sorted record Ids. */
export function contentTag(rows: AlertRow[]): string {
  const ids = rows.map((r) => String(r.Id)).sort();
  return `rows-${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 40)}`;
}

/**
 * Streaming ingestion commits before the call returns, so one of its Ids should be queryable at once: the sample that
 * times handed → queryable. A failed check is not the window's failure; it leaves the stage unmeasured.
 */
async function sampledQueryableAt(
  sink: KustoSink,
  id: string,
  now: () => number,
): Promise<{ queryableAt?: string }> {
  const seen = await sink.existingIds([id]).catch(() => new Set<string>());
  return seen.has(id) ? { queryableAt: isoOf(now()) } : {};
}

export function ingestWindowActivity(deps: {
  state: (tenantId?: string) => Promise<PipelineState>;
  sink: () => KustoSink;
  tenantName: (tenantId?: string) => string;
  /** Wall time: the cluster batches queued rows in wall time. */
  now: () => number;
}) {
  return async function ingestWindow(input: IngestWindowInput): Promise<IngestWindowOutput> {
    const state = await deps.state(input.tenantId);
    const doc = await state.readWindowRowsAt(input.rowsDocument);
    const tenantName = deps.tenantName(input.tenantId);
    const { unique, duplicates } = uniqueById(doc.rows.map((row) => ({ ...row, TenantName: tenantName })));
    if (unique.length === 0) return { ingested: 0, duplicateRecords: duplicates };
    const sink = deps.sink();
    await sink.verifyTable();
    const existing = await sink.existingIds(unique.map((r) => String(r.Id)));
    // Read in streaming mode too: a streaming sink may fall back to queued for a batch.
    const queued = await state.recentlyQueuedIds(deps.now());
    const fresh = unique.filter((r) => !existing.has(String(r.Id)) && !queued.has(String(r.Id)));
    if (fresh.length === 0) return { ingested: 0, duplicateRecords: duplicates + unique.length };
    const tag = contentTag(fresh);
    const result = await sink.ingestRows(fresh, tag);
    if (result.mode === 'queued') {
      const atMs = deps.now();
      const ids = fresh.map((r) => String(r.Id));
      await state.recordQueuedBatch(tag, ids, atMs);
      const { sourceId, confirmed } = result;
      if (!confirmed) {
        await state.recordIngestionBatch({
          sourceId,
          tag,
          rowsDocument: input.rowsDocument,
          ids,
          windowKey: windowKeyOfRowsDocument(input.rowsDocument),
          queuedAt: isoOf(atMs),
          status: 'pending',
          queuedDocument: queuedBatchName(tag, atMs),
          sends: 1,
        });
      }
    }
    const handedAt = isoOf(deps.now());
    return {
      ingested: result.rows,
      duplicateRecords: duplicates + unique.length - fresh.length,
      handedAt,
      ...(result.mode === 'streaming' ? await sampledQueryableAt(sink, String(fresh[0].Id), deps.now) : {}),
    };
  };
}
