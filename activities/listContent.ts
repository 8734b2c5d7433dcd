/**
 * Lists a window's content (from the re-list overlap on, in slices the API accepts) and drops blobs a live run
 * already processed, so content that became listable late is still processed while re-listed content costs list
 * calls only.
 *
 * Parked blobs come first: a live window gives up the parked blobs whose expiration has passed (data loss, named)
 * and puts at most MAX_PARKED_RETRIES_PER_WINDOW of the others, nearest expiration first, at the head of `toFetch`
 * flagged `retry`. A rewind re-lists its whole range anyway, so it only moves the parked blobs it lists to the head.
 * A listing reference with impossible dates is passed on flagged `invalid`, for fetchContent to park.
 */
import type { ManagementApiClient } from '../src/o365';
import {
  MAX_PARKED_RETRIES_PER_WINDOW,
  PIPELINE_INSTANCE_ID,
  type ContentToFetch,
  type LostBlob,
} from '../src/pipeline/model';
import type { PipelineState } from '../src/pipeline/state';
import { isoOf, listingSlices, RETENTION_MS } from '../src/pipeline/windows';

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
  /** The window's key: names the given-up entries so a retried listing reports the same ones. */
  windowKey?: string;
  /** The live loop owning the parked set; default the single loop's id. */
  loopId?: string;
}

export interface ListContentOutput {
  toFetch: ContentToFetch[];
  listed: number;
  alreadyProcessed: number;
  lateContent: number;
  /** Parked blobs put at the head of `toFetch` for a retry. */
  parkedRetries?: number;
  /** Parked blobs given up by this window at their expiration (data loss). */
  givenUp?: LostBlob[];
  /** When the listing finished (wall time, ISO): the "listed" point of the per-stage latency. */
  listedAt?: string;
  /**
   * How many of these blobs the window fetches at once: what the tenant's request budget serves (absent in older
   * histories, whose windows fetched every blob at once).
   */
  fetchesInFlight?: number;
}

export function listContentActivity(deps: {
  state: (tenantId?: string) => Promise<PipelineState>;
  o365: (tenantId?: string) => Promise<ManagementApiClient>;
}) {
  return async function listContent(input: ListContentInput): Promise<ListContentOutput> {
    const client = await deps.o365(input.tenantId);
    const loopId = input.loopId ?? PIPELINE_INSTANCE_ID;
    // Live windows retry parked blobs (data time decides expiry, as it decides the window); an older history's
    // input without a window key skips this once.
    const parked =
      input.skipKnown && input.windowKey
        ? await (
            await deps.state(input.tenantId)
          ).takeDueParked(
            loopId,
            input.contentType,
            Date.parse(input.windowEnd),
            input.windowKey,
            MAX_PARKED_RETRIES_PER_WINDOW,
          )
        : { due: [], givenUp: [] };
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

    const known = input.skipKnown
      ? await (
          await deps.state(input.tenantId)
        ).liveContentIds(
          input.contentType,
          knownFrom(refs, listFromMs, windowStartMs, windowEndMs),
          windowEndMs,
        )
      : new Set<string>();

    const seen = new Set<string>();
    const toFetch: ContentToFetch[] = [];
    for (const blob of parked.due) {
      seen.add(blob.contentId);
      toFetch.push({
        contentType: blob.contentType,
        contentId: blob.contentId,
        contentUri: blob.contentUri,
        contentCreated: blob.contentCreated,
        contentExpiration: blob.contentExpiration,
        retry: true,
        ...(blob.invalid !== undefined ? { invalid: blob.invalid } : {}),
      });
    }
    const parkedHere = input.skipKnown
      ? new Set<string>()
      : new Set(
          (await (await deps.state(input.tenantId)).readParkedSet(loopId, input.contentType)).blobs.map(
            (b) => b.contentId,
          ),
        );
    const listedParked: ContentToFetch[] = [];
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
      const item: ContentToFetch = {
        contentType: ref.contentType,
        contentId: ref.contentId,
        contentUri: ref.contentUri,
        contentCreated: ref.contentCreated,
        ...(ref.contentExpiration ? { contentExpiration: ref.contentExpiration } : {}),
        ...(ref.invalid !== undefined ? { invalid: ref.invalid } : {}),
      };
      (parkedHere.has(ref.contentId) ? listedParked : toFetch).push(item);
    }
    return {
      toFetch: [...listedParked, ...toFetch],
      listed: refs.length,
      alreadyProcessed,
      lateContent,
      ...(parked.due.length ? { parkedRetries: parked.due.length } : {}),
      ...(parked.givenUp.length ? { givenUp: parked.givenUp } : {}),
      listedAt: new Date().toISOString(),
      fetchesInFlight: client.fetchesInFlight(),
    };
  };
}

/**
 * Where the ledger must be read from to know every listed blob a live run already processed. A blob is recorded by
 * the window that first listed it, which starts at most one window length before the blob's creation (live windows
 * have one length; late blobs are recorded in a window later than their creation). A blob may be listed again,
 * hours later, under a later contentCreated; its contentExpiration is when it stops being retrievable (its creation
 * plus the retention), so expiration minus retention bounds when it was first listed. The oldest such bound
 * decides, never further back than the retention; a reference the client flagged for impossible dates is left out.
 */
export function knownFrom(
  refs: { contentExpiration?: string; invalid?: string }[],
  listFromMs: number,
  windowStartMs: number,
  windowEndMs: number,
): number {
  let oldest = listFromMs;
  for (const ref of refs) {
    if (ref.invalid !== undefined) continue;
    const created = Date.parse(ref.contentExpiration ?? '') - RETENTION_MS;
    if (created < oldest) oldest = created;
  }
  return Math.max(oldest, windowEndMs - RETENTION_MS) - (windowEndMs - windowStartMs);
}
