/**
 * One content blob: fetch → archive raw (write-once by contentId) → select with the rules → return the selection.
 * Malformed content is quarantined with its reason and never fails the window; expired or vanished content is
 * reported (data loss), not retried forever. Large selections go to an archive document and travel as a pointer,
 * because activity results live in orchestration history (and in queue messages on Azure Storage).
 */
import { MalformedContentError, selectFromContent } from '../src/alerts';
import { documentNames } from '../src/archive';
import { ContentExpiredError, ContentNotFoundError } from '../src/o365';
import { getArchive, getO365Client, getRules } from '../src/runtime';
import type { FetchContentInput, FetchContentOutput, SelectionPayload } from './contracts';
import { putDocument } from './documents';

/** Selections above this size (serialized) are passed by pointer. */
export const INLINE_SELECTION_BYTES = 24 * 1024;

export async function fetchContent(input: FetchContentInput): Promise<FetchContentOutput> {
  const { content } = input;
  const base = {
    contentId: content.contentId,
    recordsSeen: 0,
    malformedRecords: 0,
    rowCount: 0,
    waitingCount: 0,
    verdictCount: 0,
  };
  const client = await getO365Client();
  let text: string;
  try {
    text = await client.fetchContentText(content.contentUri);
  } catch (e) {
    if (e instanceof ContentExpiredError) return { ...base, outcome: 'expired', reason: e.message };
    if (e instanceof ContentNotFoundError) return { ...base, outcome: 'notFound', reason: e.message };
    throw e;
  }

  const archive = await getArchive();
  await archive.putRawContent(content, text);

  let selection;
  try {
    selection = selectFromContent(text, getRules(), {
      contentType: content.contentType,
      contentId: content.contentId,
      contentCreated: content.contentCreated,
      windowStart: input.windowStart,
      windowEnd: input.windowEnd,
    });
  } catch (e) {
    if (!(e instanceof MalformedContentError)) throw e;
    await archive.putQuarantine(content, text, e.reason);
    return { ...base, outcome: 'malformed', reason: e.reason };
  }
  if (selection.quarantined.length > 0) {
    const sample = selection.quarantined
      .slice(0, 5)
      .map((q) => `record ${q.index}: ${q.reason}`)
      .join('; ');
    await archive.putQuarantine(
      content,
      text,
      `${selection.quarantined.length} malformed record(s) kept out: ${sample}`,
    );
  }

  const payload: SelectionPayload = {
    rows: selection.rows,
    waitingAlerts: selection.waitingAlerts,
    verdicts: selection.verdicts,
  };
  const counts = {
    ...base,
    recordsSeen: selection.recordsSeen,
    malformedRecords: selection.quarantined.length,
    rowCount: payload.rows.length,
    waitingCount: payload.waitingAlerts.length,
    verdictCount: payload.verdicts.length,
  };
  if (Buffer.byteLength(JSON.stringify(payload)) <= INLINE_SELECTION_BYTES) {
    return { ...counts, outcome: 'selected', selection: payload };
  }
  const pointer = documentNames.selection(input.windowKey, content.contentId);
  await putDocument(archive, pointer, payload);
  return { ...counts, outcome: 'selected', pointer };
}
