/**
 * The client-level budget figure: every blob of a range fetched at once through one real client, whose shared
 * request budget alone must pace the fan-out. It measures the client, not the pipeline (no orchestration, no archive,
 * no ingestion).
 */
import { type ManagementApiClient } from '../../src/o365';
import { CONTENT_TYPE, HOUR_MS } from './backlog';

export interface ConcurrentResult {
  blobs: number;
  elapsedMs: number;
  failed: number;
}

/** Lists the range (hour by hour, in parallel) and then fetches every blob with `width` requests in flight. */
export async function fetchAllConcurrently(
  client: ManagementApiClient,
  range: { startMs: number; endMs: number },
  width: number,
): Promise<ConcurrentResult> {
  await client.ensureSubscriptions([CONTENT_TYPE]);
  const t0 = performance.now();
  const hours: number[] = [];
  for (let s = range.startMs; s < range.endMs; s += HOUR_MS) hours.push(s);
  const lists = await Promise.all(
    hours.map((s) => client.listContent(CONTENT_TYPE, { start: new Date(s), end: new Date(s + HOUR_MS) })),
  );
  const uris = lists.flat().map((r) => r.contentUri);
  let next = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < uris.length) {
      const uri = uris[next++];
      try {
        await client.fetchContentText(uri);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, uris.length) }, worker));
  return { blobs: uris.length, elapsedMs: performance.now() - t0, failed };
}
