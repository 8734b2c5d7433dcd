/**
 * One content blob: fetch → archive raw (write-once by contentId) → select with the rules → return the selection.
 * Malformed content is quarantined with its reason and never fails the window; expired or vanished content is
 * reported (data loss), not retried forever. Large selections go to an archive document and travel as a pointer,
 * because activity results live in orchestration history (and in queue messages on Azure Storage).
 */
import { MalformedContentError, selectFromContent, type RuleSet } from '../src/alerts';
import { ContentExpiredError, ContentNotFoundError, type ManagementApiClient } from '../src/o365';
import type { ContentToFetch, SelectionPayload } from '../src/pipeline/model';
import type { PipelineState } from '../src/pipeline/state';

/** Selections above this size (serialized) are passed by pointer. */
export const INLINE_SELECTION_BYTES = 24 * 1024;

export interface FetchContentInput {
  /** Absent in single-tenant histories: the first tenant. */
  tenantId?: string;
  content: ContentToFetch;
  /** Names the window (or rewind window) for provenance and pointer documents. */
  windowKey: string;
  windowStart: string;
  windowEnd: string;
}

export interface FetchContentOutput {
  contentId: string;
  outcome: 'selected' | 'expired' | 'notFound' | 'malformed';
  recordsSeen: number;
  malformedRecords: number;
  /** Inline when small; otherwise `pointer` names an archive document holding the {@link SelectionPayload}. */
  selection?: SelectionPayload;
  pointer?: string;
  rowCount: number;
  waitingCount: number;
  verdictCount: number;
  reason?: string;
}

export function fetchContentActivity(deps: {
  state: (tenantId?: string) => Promise<PipelineState>;
  o365: (tenantId?: string) => Promise<ManagementApiClient>;
  rules: () => RuleSet;
}) {
  return async function fetchContent(input: FetchContentInput): Promise<FetchContentOutput> {
    const { content } = input;
    const base = {
      contentId: content.contentId,
      recordsSeen: 0,
      malformedRecords: 0,
      rowCount: 0,
      waitingCount: 0,
      verdictCount: 0,
    };
    const client = await deps.o365(input.tenantId);
    let text: string;
    try {
      text = await client.fetchContentText(content.contentUri);
    } catch (e) {
      if (e instanceof ContentExpiredError) return { ...base, outcome: 'expired', reason: e.message };
      if (e instanceof ContentNotFoundError) return { ...base, outcome: 'notFound', reason: e.message };
      throw e;
    }

    const state = await deps.state(input.tenantId);
    await state.archiveRaw(content, text);

    let selection;
    try {
      selection = selectFromContent(text, deps.rules(), {
        contentType: content.contentType,
        contentId: content.contentId,
        contentCreated: content.contentCreated,
        windowStart: input.windowStart,
        windowEnd: input.windowEnd,
      });
    } catch (e) {
      if (!(e instanceof MalformedContentError)) throw e;
      await state.quarantine(content, text, e.reason);
      return { ...base, outcome: 'malformed', reason: e.reason };
    }
    if (selection.quarantined.length > 0) {
      const sample = selection.quarantined
        .slice(0, 5)
        .map((q) => `record ${q.index}: ${q.reason}`)
        .join('; ');
      await state.quarantine(
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
    const pointer = await state.putSelection(input.windowKey, content.contentId, payload);
    return { ...counts, outcome: 'selected', pointer };
  };
}
