/**
 * Ingests a window's rows exactly once: duplicates inside the batch and record Ids already in the table are dropped
 * (the same record in two blobs, a re-listing, a rewind), and the batch carries the window's tag so a retried
 * ingestion of the same window is skipped by the cluster.
 */
import type { AlertRow } from '../src/kusto/schema';
import { getArchive, getKustoSink } from '../src/runtime';
import type { IngestWindowInput, IngestWindowOutput } from './contracts';
import type { WindowRowsDocument } from './correlateWindow';
import { getDocument } from './documents';

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

export async function ingestWindow(input: IngestWindowInput): Promise<IngestWindowOutput> {
  const archive = await getArchive();
  const doc = await getDocument<WindowRowsDocument>(archive, input.rowsDocument);
  const { unique, duplicates } = uniqueById(doc.rows);
  if (unique.length === 0) return { ingested: 0, duplicateRecords: duplicates };
  const sink = getKustoSink();
  await sink.ensureTable();
  const existing = await sink.existingIds(unique.map((r) => String(r.Id)));
  const fresh = unique.filter((r) => !existing.has(String(r.Id)));
  const result = await sink.ingestRows(fresh, input.batchId);
  return { ingested: result.rows, duplicateRecords: duplicates + existing.size };
}
