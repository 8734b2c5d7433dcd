/**
 * Lists a window's content (from the re-list overlap on, in slices the API accepts) and drops blobs a live run
 * already processed, so content that became listable late is still processed while re-listed content costs list
 * calls only.
 */
import type { ManagementApiClient } from '../src/o365';
import type { ContentToFetch } from '../src/pipeline/model';
import type { PipelineState } from '../src/pipeline/state';
import { isoOf, listingSlices } from '../src/pipeline/windows';

export interface ListContentInput {
  /** Absent in single-tenant histories: the first tenant. */
  tenantId?: string;
  contentType: string;
  /** Listing start (window start minus the re-list overlap). */
  listFrom: string;
  windowStart: string;
  windowEnd: string;
  /** Live windows skip contentIds the ledger already holds; rewinds re-fetch everything. */
  skipKnown: boolean;
}

export interface ListContentOutput {
  toFetch: ContentToFetch[];
  listed: number;
  alreadyProcessed: number;
  lateContent: number;
}

export function listContentActivity(deps: {
  state: (tenantId?: string) => Promise<PipelineState>;
  o365: (tenantId?: string) => Promise<ManagementApiClient>;
}) {
  return async function listContent(input: ListContentInput): Promise<ListContentOutput> {
    const client = await deps.o365(input.tenantId);
    const listFromMs = Date.parse(input.listFrom);
    const windowStartMs = Date.parse(input.windowStart);
    const windowEndMs = Date.parse(input.windowEnd);
    const refs = [];
    for (const slice of listingSlices({ startMs: listFromMs, endMs: windowEndMs })) {
      refs.push(
        ...(await client.listContent(input.contentType, {
          start: isoOf(slice.startMs),
          end: isoOf(slice.endMs),
        })),
      );
    }

    // Any window that can hold a blob created after listFrom starts after listFrom minus one window length (live
    // windows have one length; late blobs are recorded in a window later than their creation).
    const known = input.skipKnown
      ? await (
          await deps.state(input.tenantId)
        ).liveContentIds(input.contentType, listFromMs - (windowEndMs - windowStartMs), windowEndMs)
      : new Set<string>();

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
  };
}
