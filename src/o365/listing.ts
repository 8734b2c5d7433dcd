/**
 * Listing the content blobs of one window: validate the window against the API's rules in server time, follow every
 * page, and return each blob once, ordered by contentCreated then contentId (a stable order for fan-out and ledgers).
 *
 * Reactions owned here (see errors.ts): AF20022/AF20023 start the subscription once and list again; AF20030/AF20055
 * mean the server's clock disagrees with ours — the skew is learned from `Date`, the window's start is moved inside
 * retention and the listing is sent once more; AF20031 throws the pages away and lists again from the first page.
 */
import { clampWindow, formatApiTime, parseStrictUtc, validateWindow, type WindowMs } from './dates';
import {
  FatalApiError,
  InvalidContentReferenceError,
  InvalidNextPageError,
  SubscriptionMissingError,
  WindowRejectedError,
} from './errors';
import { MAX_PAGES_PER_LISTING, nextPageLink } from './pagination';
import type { Subscriptions } from './subscriptions';
import type { ApiFailure, ApiTransport } from './transport';
import type { ContentReference, ContentWindow } from './types';

/** Restarts after AF20031 before giving up. */
const MAX_LISTING_RESTARTS = 3;

export interface ListingCounters {
  pages: number;
  listingRestarts: number;
  windowsClamped: number;
  invalidReferences: number;
}

export class ContentListing {
  readonly counters: ListingCounters = {
    pages: 0,
    listingRestarts: 0,
    windowsClamped: 0,
    invalidReferences: 0,
  };

  constructor(
    private readonly transport: ApiTransport,
    private readonly subscriptions: Subscriptions,
    private readonly feedUrl: string,
    private readonly retentionMarginMinutes: number,
  ) {}

  async list(contentType: string, window: ContentWindow): Promise<ContentReference[]> {
    if (typeof contentType !== 'string' || contentType.trim() === '') {
      throw new TypeError('listContent: contentType must be a non-empty string such as "Audit.General".');
    }
    let w = validateWindow(window, this.transport.serverNow(), this.retentionMarginMinutes);
    let subscriptionStarted = false;
    let clamped = false;
    let restarts = 0;
    for (;;) {
      const outcome = await this.listPages(contentType, w);
      if (Array.isArray(outcome)) return sortReferences(outcome);
      const failure = outcome;
      const details = { status: failure.status, code: failure.code, operation: 'listContent' };
      switch (failure.reaction) {
        case 'startSubscription':
          if (subscriptionStarted) {
            throw new SubscriptionMissingError(
              `listContent: ${contentType} still has no subscription after starting it: ${failure.message}`,
              details,
            );
          }
          subscriptionStarted = true;
          await this.subscriptions.startGuarded(contentType, failure.code);
          continue;
        case 'clampWindow': {
          const next = clamped
            ? undefined
            : clampWindow(w, this.transport.serverNow(), this.retentionMarginMinutes);
          if (next === undefined || (next.startMs === w.startMs && next.endMs === w.endMs)) {
            throw new WindowRejectedError(
              `listContent: the service rejected window ${formatApiTime(w.startMs)}..${formatApiTime(w.endMs)} ` +
                `(${failure.code}) and no retention-safe window is left to ask for: ${failure.message}`,
              details,
            );
          }
          clamped = true;
          this.counters.windowsClamped++;
          w = next;
          continue;
        }
        case 'restartListing':
          if (++restarts > MAX_LISTING_RESTARTS) {
            throw new InvalidNextPageError(
              `listContent: the next-page link was rejected ${restarts} times (${failure.code}): ${failure.message}`,
              details,
            );
          }
          this.counters.listingRestarts++;
          continue;
        default:
          this.transport.raise('listContent', failure);
      }
    }
  }

  /** Every page of one listing, or the failure that interrupted it. */
  private async listPages(contentType: string, w: WindowMs): Promise<ContentReference[] | ApiFailure> {
    const byId = new Map<string, ContentReference>();
    const visited = new Set<string>();
    let url: string | undefined =
      `${this.feedUrl}/subscriptions/content?contentType=${encodeURIComponent(contentType)}` +
      `&startTime=${formatApiTime(w.startMs)}&endTime=${formatApiTime(w.endMs)}`;
    while (url !== undefined) {
      const result = await this.transport.send('listContent', 'GET', url);
      if (!result.ok) return result;
      this.counters.pages++;
      for (const ref of parsePage(result.text, result.status)) {
        if (byId.has(ref.contentId)) continue;
        const problem = referenceDateProblem(ref);
        if (problem !== undefined) {
          ref.invalid = problem.message;
          this.counters.invalidReferences++;
        }
        byId.set(ref.contentId, ref);
      }
      visited.add(url);
      url = nextPageLink(result.headers);
      if (url !== undefined && (visited.has(url) || visited.size >= MAX_PAGES_PER_LISTING)) {
        throw new FatalApiError(
          `listContent: pagination does not end (${visited.size} pages, next link ${visited.has(url) ? 'repeats an earlier page' : 'exceeds the page limit'}).`,
          { status: result.status, code: 'PaginationLoop', operation: 'listContent' },
        );
      }
    }
    return [...byId.values()];
  }
}

function parsePage(text: string, status: number): ContentReference[] {
  let body: unknown;
  try {
    body = text.trim() === '' ? [] : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!Array.isArray(body) || !body.every(isContentReference)) {
    throw new FatalApiError('listContent: a listing page is not an array of content references.', {
      status,
      code: 'MalformedResponse',
      operation: 'listContent',
    });
  }
  return body;
}

/**
 * The shape a listing entry must have to be handled at all. Its times are checked separately
 * ({@link referenceDateProblem}) so that one impossible date flags one reference instead of failing the listing.
 */
function isContentReference(x: unknown): x is ContentReference {
  const r = x as ContentReference;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof r.contentId === 'string' &&
    r.contentId !== '' &&
    typeof r.contentUri === 'string' &&
    typeof r.contentCreated === 'string'
  );
}

/** The first of contentCreated, contentExpiration that is not a valid ISO 8601 time, as a typed error. */
function referenceDateProblem(ref: ContentReference): InvalidContentReferenceError | undefined {
  for (const field of ['contentCreated', 'contentExpiration'] as const) {
    const value: unknown = ref[field];
    const reason =
      typeof value !== 'string'
        ? 'is missing'
        : parseStrictUtc(value) === undefined
          ? 'is not a valid time'
          : '';
    if (reason !== '') {
      return new InvalidContentReferenceError(
        `listContent: content ${ref.contentId}: ${field} ${reason} (got ${JSON.stringify(value ?? null)}); expected an ISO 8601 time such as 2024-01-31T12:00:00Z.`,
        {
          status: 200,
          code: 'InvalidContentReference',
          operation: 'listContent',
          contentId: ref.contentId,
          field,
        },
      );
    }
  }
  return undefined;
}

/**
 * Undefined for a usable reference; otherwise the typed error to park it with (its times are not valid, so nothing
 * computed from them — window, expiry, order — can be trusted).
 */
export function checkContentReference(ref: ContentReference): InvalidContentReferenceError | undefined {
  return referenceDateProblem(ref);
}

/** contentCreated (as a time, whatever its precision), then contentId, ordinal; invalid times last. */
export function sortReferences(refs: ContentReference[]): ContentReference[] {
  const keyed = refs.map((r) => ({ r, t: parseStrictUtc(r.contentCreated) ?? Number.POSITIVE_INFINITY }));
  keyed.sort((a, b) => {
    if (a.t !== b.t) return a.t < b.t ? -1 : 1;
    return a.r.contentId < b.r.contentId ? -1 : a.r.contentId > b.r.contentId ? 1 : 0;
  });
  return keyed.map((k) => k.r);
}
