/**
 * The original runbooks' way, as a baseline: list one window, then fetch every blob of it one after another, window
 * after window, with the real client (same budget, retries and parsing as the pipeline). Nothing runs in parallel.
 */
import { parseAuditContent, type ManagementApiClient } from '../../src/o365';
import { CONTENT_TYPE, HOUR_MS } from './backlog';

export interface SequentialResult {
  windows: number;
  blobs: number;
  records: number;
  elapsedMs: number;
  /** Content blobs fetched per second. */
  blobsPerSecond: number;
}

/**
 * Runs the baseline over hourly windows from `startMs` until `endMs`, or until `maxBlobs` blobs were fetched (the
 * baseline's rate is what matters; a cap keeps its run time sane on a large backlog).
 */
export async function runSequential(
  client: ManagementApiClient,
  range: { startMs: number; endMs: number },
  maxBlobs = Number.POSITIVE_INFINITY,
): Promise<SequentialResult> {
  await client.ensureSubscriptions([CONTENT_TYPE]);
  const t0 = performance.now();
  let windows = 0;
  let blobs = 0;
  let records = 0;
  for (let start = range.startMs; start < range.endMs && blobs < maxBlobs; start += HOUR_MS) {
    const refs = await client.listContent(CONTENT_TYPE, {
      start: new Date(start),
      end: new Date(Math.min(start + HOUR_MS, range.endMs)),
    });
    windows++;
    for (const ref of refs) {
      if (blobs >= maxBlobs) break;
      const text = await client.fetchContentText(ref.contentUri);
      records += parseAuditContent(text).records.length;
      blobs++;
    }
  }
  const elapsedMs = performance.now() - t0;
  return { windows, blobs, records, elapsedMs, blobsPerSecond: (blobs / elapsedMs) * 1000 };
}
