/**
 * The Office 365 Management Activity API client: one object per tenant that the activities share.
 *
 * It composes one module per concern — transport (budget, token, retries), subscriptions, listing, content — and
 * only wires them together and reports their counters.
 */
import type { TokenCredential } from '@azure/identity';
import { sharedBudget } from './budget';
import { isLoopbackHost, tokenScope } from './clouds';
import { fetchContent, fetchContentText } from './content';
import { ceilSecond, DEFAULT_RETENTION_MARGIN_MINUTES, earliestStart, MAX_WINDOW } from './dates';
import { ContentListing } from './listing';
import { resolveRetryPolicy, type RetryPolicy } from './retry';
import { Subscriptions } from './subscriptions';
import { TokenSource } from './token';
import { ApiTransport } from './transport';
import type {
  AuditRecord,
  ClientStats,
  ContentReference,
  ContentWindow,
  EnsureResult,
  Subscription,
} from './types';

export interface ManagementApiClientOptions {
  tenantId: string;
  /** API root, e.g. https://manage.office.com (GCC, GCC High and DoD differ); a trailing slash is ignored. */
  apiUrl: string;
  /** Sent as PublisherIdentifier on every call, blob fetches included; default tenantId (the tenant's own pool). */
  publisherId?: string;
  credential: TokenCredential;
  /** Default `${apiUrl}/.default`. */
  scope?: string;
  /** Default 2000. One budget per tenant and apiUrl per process: the first client's value sets it. */
  requestsPerMinute?: number;
  retry?: Partial<RetryPolicy>;
  /** Injectable clock (ms since epoch) for the time rules; the server's `Date` skew is learned and added to it. */
  now?: () => number;
  /** Minutes kept between a window's start and the 7-day retention edge; default 30. */
  retentionMarginMinutes?: number;
  /** Source of jitter in [0,1); default Math.random. */
  random?: () => number;
  /** Largest response body read, in bytes; default 100 MiB. A larger blob fails with ContentTooLargeError. */
  maxContentBytes?: number;
  /**
   * Test seam: the fetch dispatcher for every API call (e.g. one that connects each host name to a loopback
   * server). Leave unset in production.
   */
  dispatcher?: RequestInit['dispatcher'];
}

/** Default cap on a response body: far above any real content blob, far below what would exhaust a worker. */
export const DEFAULT_MAX_CONTENT_BYTES = 100 * 1024 * 1024;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ManagementApiClient {
  private readonly transport: ApiTransport;
  private readonly subscriptions: Subscriptions;
  private readonly listing: ContentListing;
  private readonly retentionMarginMinutes: number;

  constructor(options: ManagementApiClientOptions) {
    const { tenantId, credential } = options;
    if (typeof tenantId !== 'string' || !GUID.test(tenantId)) {
      throw new TypeError(`ManagementApiClient: tenantId must be a GUID, got ${JSON.stringify(tenantId)}.`);
    }
    if (!credential || typeof credential.getToken !== 'function') {
      throw new TypeError('ManagementApiClient: credential must be a TokenCredential from @azure/identity.');
    }
    const apiUrl = normalizeApiUrl(options.apiUrl);
    const now = options.now ?? Date.now;
    const margin = options.retentionMarginMinutes ?? DEFAULT_RETENTION_MARGIN_MINUTES;
    if (!Number.isFinite(margin) || margin < 0 || margin > MAX_WINDOW.as('minutes')) {
      throw new RangeError(`retentionMarginMinutes must be from 0 to 1440, got ${margin}.`);
    }
    this.retentionMarginMinutes = margin;
    const maxBodyBytes = options.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
      throw new RangeError(`maxContentBytes must be a whole number of bytes >= 1, got ${maxBodyBytes}.`);
    }
    const feedUrl = `${apiUrl}/api/v1.0/${encodeURIComponent(tenantId)}/activity/feed`;
    this.transport = new ApiTransport({
      apiUrl,
      publisherId: options.publisherId ?? tenantId,
      tokens: new TokenSource(credential, options.scope ?? tokenScope(apiUrl), now),
      budget: sharedBudget(tenantId, apiUrl, options.requestsPerMinute ?? 2000),
      retry: resolveRetryPolicy(options.retry),
      now,
      random: options.random ?? Math.random,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      maxBodyBytes,
      dispatcher: options.dispatcher,
    });
    this.subscriptions = new Subscriptions(
      this.transport,
      feedUrl,
      `${tenantId} ${apiUrl}`.toLowerCase(),
      now,
    );
    this.listing = new ContentListing(this.transport, this.subscriptions, feedUrl, margin);
  }

  listSubscriptions(): Promise<Subscription[]> {
    return this.subscriptions.list();
  }

  /** Starts a subscription; "already enabled" (AF20024) is success. */
  startSubscription(contentType: string): Promise<Subscription> {
    return this.subscriptions.start(contentType);
  }

  /** Starts every given content type that is not enabled, at most once per content type per 15 minutes. */
  ensureSubscriptions(contentTypes: string[]): Promise<EnsureResult> {
    return this.subscriptions.ensure(contentTypes);
  }

  /**
   * Every content blob created in [start, end) (≤ 24 h, start inside retention minus the margin), all pages,
   * each contentId once, sorted by contentCreated then contentId.
   */
  listContent(contentType: string, window: ContentWindow): Promise<ContentReference[]> {
    return this.listing.list(contentType, window);
  }

  /**
   * The earliest window start listContent accepts right now: the service's clock (as learned from `Date`) minus
   * 7 days plus the retention margin, rounded up to a whole second. A caller that computed its window earlier (an
   * orchestrator) clamps to this just before listing instead of failing with InvalidWindowError at the edge.
   */
  earliestWindowStart(): Date {
    const edge = earliestStart(this.transport.serverNow(), this.retentionMarginMinutes);
    return new Date(ceilSecond(edge));
  }

  /** The blob's body exactly as served, for archiving. */
  fetchContentText(contentUri: string): Promise<string> {
    return fetchContentText(this.transport, contentUri);
  }

  fetchContent(contentUri: string): Promise<AuditRecord[]> {
    return fetchContent(this.transport, contentUri);
  }

  /** Fetches one window should run at once for this tenant's request budget (see RequestBudget.fetchesInFlight). */
  fetchesInFlight(): number {
    return this.transport.fetchesInFlight();
  }

  stats(): ClientStats {
    const t = this.transport.counters;
    return {
      requests: t.requests,
      retries: t.retries,
      throttled: t.throttled,
      byErrorCode: { ...t.byErrorCode },
      tokenRefreshes: t.tokenRefreshes,
      subscriptionStarts: this.subscriptions.starts,
      pages: this.listing.counters.pages,
      listingRestarts: this.listing.counters.listingRestarts,
      windowsClamped: this.listing.counters.windowsClamped,
      invalidReferences: this.listing.counters.invalidReferences,
      clockSkewMs: this.transport.skewMs,
      budgetWaits: t.budgetWaits,
      budgetWaitMs: t.budgetWaitMs,
      budget: this.transport.budgetStats(),
    };
  }
}

function normalizeApiUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new TypeError(`ManagementApiClient: apiUrl must be an absolute URL, got ${JSON.stringify(value)}.`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    throw new TypeError(
      `ManagementApiClient: apiUrl must be https (plain http only on a loopback host), got ${JSON.stringify(value)}.`,
    );
  }
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}
