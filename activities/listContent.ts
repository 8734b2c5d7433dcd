/**
 * Lists a window's content (from the re-list overlap on) and drops blobs the ledger already holds, so content that
 * became listable late is still processed while re-listed content costs list calls only.
 */
import { getArchive, getO365Client } from '../src/runtime';
import type { ContentToFetch, ListContentInput, ListContentOutput } from './contracts';
import { readLedger } from './ledger';

export async function listContent(input: ListContentInput): Promise<ListContentOutput> {
  const client = await getO365Client();
  const refs = await client.listContent(input.contentType, { start: input.listFrom, end: input.windowEnd });
  const windowStartMs = Date.parse(input.windowStart);
  const windowEndMs = Date.parse(input.windowEnd);

  const known = new Set<string>();
  if (input.skipKnown) {
    // Any window that can hold a blob created after listFrom starts after listFrom minus one window length
    // (live windows have one length; late blobs are recorded in a window later than their creation).
    const length = windowEndMs - windowStartMs;
    const archive = await getArchive();
    const entries = await readLedger(
      archive,
      input.contentType,
      Date.parse(input.listFrom) - length,
      windowEndMs,
    );
    // Only blobs a live run processed: a rewind's blobs never reached the live pending-alert store.
    for (const entry of entries) for (const id of entry.liveContentIds ?? entry.contentIds) known.add(id);
  }

  const seen = new Set<string>();
  const toFetch: ContentToFetch[] = [];
  let alreadyProcessed = 0;
  let lateContent = 0;
  for (const ref of refs) {
    if (seen.has(ref.contentId)) continue;
    seen.add(ref.contentId);
    if (known.has(ref.contentId)) {
      alreadyProcessed++;
      continue;
    }
    if (Date.parse(ref.contentCreated) < windowStartMs) lateContent++;
    toFetch.push({
      contentType: ref.contentType,
      contentId: ref.contentId,
      contentUri: ref.contentUri,
      contentCreated: ref.contentCreated,
    });
  }
  return { toFetch, listed: refs.length, alreadyProcessed, lateContent };
}
