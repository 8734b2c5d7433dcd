/**
 * Record Ids of the batches ingested in queued mode during about the last hour, kept in the archive
 * (state/ingested/<UTC hour>/<tag>.json).
 *
 * Why: queued rows become queryable only after the cluster's batching (minutes), so the table's Id check cannot see
 * them yet, and the ingest-by tag only stops a batch with exactly the same rows. A rewind started right after a live
 * window builds that window's rows from its own pending store — often a different set — and would ingest them a
 * second time. Ingestion therefore also drops Ids found here. Written only after a batch was handed to the cluster, so
 * a failed ingestion never hides its own rows from its retry. Wall time, because the cluster batches in wall time.
 */
import type { ArchiveStore } from '../src/archive';
import { putDocument } from './documents';

const PREFIX = 'state/ingested/';
const HOUR_MS = 60 * 60 * 1000;

interface QueuedBatchDocument {
  ids: string[];
  at: string;
}

function hourPrefix(ms: number): string {
  return `${PREFIX}${new Date(ms).toISOString().slice(0, 13)}/`;
}

export function queuedBatchName(tag: string, atMs: number): string {
  return `${hourPrefix(atMs)}${tag}.json`;
}

export async function recordQueuedBatch(
  archive: ArchiveStore,
  tag: string,
  ids: string[],
  atMs: number,
): Promise<void> {
  await putDocument<QueuedBatchDocument>(archive, queuedBatchName(tag, atMs), {
    ids,
    at: new Date(atMs).toISOString(),
  });
}

/** Ids of queued batches recorded in this UTC hour and the previous one (well beyond any batching delay). */
export async function recentlyQueuedIds(archive: ArchiveStore, nowMs: number): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const prefix of [hourPrefix(nowMs - HOUR_MS), hourPrefix(nowMs)]) {
    const names = await archive.list(prefix);
    const docs = await Promise.all(names.map((n) => archive.readJson<QueuedBatchDocument>(n)));
    for (const doc of docs) for (const id of doc?.value.ids ?? []) ids.add(id);
  }
  return ids;
}

/**
 * Deletes the queued-batch documents of hours before the previous one: only the current and previous hour are ever
 * read, so older ones are dead weight that would otherwise grow with every window. Returns how many were deleted.
 */
export async function pruneQueuedBatches(archive: ArchiveStore, nowMs: number): Promise<number> {
  const keepFrom = hourPrefix(nowMs - HOUR_MS);
  const stale = (await archive.list(PREFIX)).filter((name) => name < keepFrom);
  await Promise.all(stale.map((name) => archive.deleteDocument(name)));
  return stale.length;
}
