/**
 * Shapes the Management Activity API sends and receives, kept minimal and typed at the boundary.
 *
 * Only the common audit fields are typed here: the alert model with its record-type specifics belongs to src/alerts.
 */

/** One entry of `GET subscriptions/list`, or the body of a successful `POST subscriptions/start`. */
export interface Subscription {
  contentType: string;
  /** `enabled` or `disabled`; absent in some documented list responses, which means not started. */
  status?: string;
  webhook?: unknown;
}

/** One entry of `GET subscriptions/content`: a content blob to fetch. */
export interface ContentReference {
  contentType: string;
  contentId: string;
  contentUri: string;
  /** ISO time the blob became available: the time that listing windows filter on. */
  contentCreated: string;
  /** contentCreated + 7 days: fetching after it fails with AF20051. */
  contentExpiration: string;
  /**
   * Set by the client when contentCreated or contentExpiration is not a valid ISO 8601 time (e.g.
   * `2024-13-45T99:99:99`): says which and why. The reference is still returned (sorted last) so the caller can
   * park and report it; `checkContentReference` turns it into an InvalidContentReferenceError.
   */
  invalid?: string;
}

/** The fields every audit record carries; everything else stays reachable through the index signature. */
export interface AuditRecord {
  Id: string;
  /** A number in the API; some exports carry it as a string ("40"). */
  RecordType: number | string;
  /** UTC without a zone suffix, e.g. `2020-02-14T19:00:00`. */
  CreationTime: string;
  Operation: string;
  OrganizationId?: string;
  Workload?: string;
  UserKey?: string;
  UserId?: string;
  UserType?: number | string;
  ResultStatus?: string;
  ObjectId?: string;
  ClientIP?: string;
  Version?: number | string;
  [field: string]: unknown;
}

/** A listing window. Strings are ISO 8601 times (UTC when no offset is given). */
export interface ContentWindow {
  start: Date | string;
  end: Date | string;
}

export interface EnsureResult {
  /** Content types that were already enabled. */
  alreadyEnabled: string[];
  /** Content types started by this call (AF20024 "already enabled" counts as started). */
  started: string[];
  /** Content types not enabled and not started now, because a start was attempted less than 15 minutes ago. */
  deferred: { contentType: string; nextAttemptAt: string }[];
}

/** Counters a caller can put in status output; all are cumulative for one client. */
export interface ClientStats {
  /** HTTP requests sent (every attempt counts). */
  requests: number;
  /** Attempts that were repeats of an earlier failed attempt. */
  retries: number;
  /** Responses that said "too many requests": HTTP 429, AF429, or AF429 carried by a 403. */
  throttled: number;
  /** Error responses and transport failures by API code (`AF20051`), or `HTTP <status>`, `Timeout`, `NetworkError`. */
  byErrorCode: Record<string, number>;
  /** Token requests made because the API answered 401. */
  tokenRefreshes: number;
  /** `subscriptions/start` calls made (explicit, ensured, or in reaction to AF20022/AF20023). */
  subscriptionStarts: number;
  /** Listing pages received. */
  pages: number;
  /** Listings restarted from their first page after AF20031. */
  listingRestarts: number;
  /** Windows whose start was moved forward after the service rejected them (AF20030/AF20055). */
  windowsClamped: number;
  /** Listed references whose contentCreated or contentExpiration was not a valid time (flagged `invalid`). */
  invalidReferences: number;
  /** Last learned difference server clock minus local clock, from the `Date` header (ms). */
  clockSkewMs: number;
  /** Requests that had to wait for the shared request budget, and how long they waited in total (ms). */
  budgetWaits: number;
  budgetWaitMs: number;
  /** Counters of the budget shared with every other client of the same tenant and API in this process. */
  budget: BudgetStats;
}

export interface BudgetStats {
  requestsPerMinute: number;
  granted: number;
  waits: number;
  waitedMs: number;
  /** Times the budget was paused as a whole because the service throttled a request. */
  pauses: number;
}
