/**
 * Public types of the Office 365 Management Activity API simulator. Kept apart from the server so the CLI, the stack
 * and tests can import them without pulling in the HTTP code.
 */
import type { Clock } from '../clock';
import type { LocalCertificate } from '../tls';

/** The volume and shape of the generated tenant. */
export interface TenantProfile {
  /** First moment content exists (ms). Default: the clock's start time minus 8 days, floored to the hour. */
  contentStartMs: number;
  /** Audit.General records per hour (noise included). */
  recordsPerHour: number;
  /** Records per content blob (the last blob of an hour may hold fewer). */
  recordsPerBlob: number;
  /** Share of the records that belong to user-reported phish lifecycles (alert + AIR investigation records). */
  userReportedShare: number;
  /** Minutes between the alert and the AIR investigation's first (Running) record. */
  airStartDelayMinutes: { min: number; max: number };
  /** Minutes between the alert and the investigation's processed (or failed) status. */
  airVerdictDelayMinutes: { min: number; max: number };
  /** Share of user-reported alerts for which AIR never reports an investigation (they stay pending forever). */
  uninvestigatedShare: number;
  /** Minutes between a record's CreationTime and its blob's contentCreated (availability latency). */
  availabilityDelayMinutes: number;
  /** Relative weights of the noise kinds. */
  noiseMix: NoiseMix;
  /** Relative weights of the AIR lifecycle kinds of user-reported alerts. */
  lifecycleMix: LifecycleMix;
}

/**
 * AIR lifecycle kinds. `standard` is the usual spread of verdicts; the others make the verdict-ordering cases
 * frequent enough to test: an investigation that ends in a terminal status after Pending Action, and one remediated
 * before its alert is even listed (the alert's records become available late, after the Remediated update).
 */
export interface LifecycleMix {
  standard: number;
  /** Running → Pending Action → Terminated By User | Failed | Terminated by System | Terminated by throttling. */
  terminatedAfterPending: number;
  /** Running → Pending Action → Remediated; the alert's records sit in a blob created after the Remediated one. */
  remediatedBeforeAlertListed: number;
}

/** Blob-level poison: what a consumer can never (or not yet) obtain from a listed blob. */
export type PoisonKind = 'notFound' | 'foreignHost' | 'oversize' | 'badContentCreated' | 'recovering';
export const POISON_KINDS: readonly PoisonKind[] = [
  'notFound',
  'foreignHost',
  'oversize',
  'badContentCreated',
  'recovering',
];

export interface NoiseMix {
  /** RecordType 40 alerts with other names. */
  otherAlerts: number;
  /** RecordType 64 investigations of other types (ZappedEmailInvestigation, UrlInvestigation, ...). */
  otherInvestigations: number;
  /** Other record types of Audit.General (28, 29, 41, 65). */
  otherRecordTypes: number;
}

/**
 * Faults. Request-level faults (latency, 429, 5xx, timeouts, budget) follow real time and a seeded random stream;
 * content-level faults (duplicates, late listing, malformed blobs) are derived from the seed and the blob, so the
 * ground truth stays a pure function of (seed, profile, faults).
 */
export interface FaultConfig {
  /** Added latency per API request, uniformly in [minMs, maxMs] (real time). */
  latencyMs: { min: number; max: number };
  /** Share of API requests answered 429 AF429. */
  throttleRate: number;
  /** Share of those throttled answers that carry `Retry-After`. */
  throttleRetryAfterShare: number;
  /** Value of `Retry-After` (seconds) when sent. */
  retryAfterSeconds: number;
  /** Throttled content fetches come as HTTP 403 with AF429, as the troubleshooting page shows. */
  blobThrottleAs403: boolean;
  /** Share of API requests answered with a server error (AF50000/AF50005/AF50006 as 500, or a bare 503). */
  serverErrorRate: number;
  /** Share of API requests that hang for `timeoutMs` and then lose their connection without an answer. */
  timeoutRate: number;
  timeoutMs: number;
  /** Share of records that also appear in the next blob of the same hour. */
  duplicateRecordRate: number;
  /** Share of blobs listed a second time, `relistAfterMinutes` after their contentCreated (a later window). */
  duplicateListingRate: number;
  relistAfterMinutes: number;
  /** Share of blobs that become listable only `lateListingMinutes` after their contentCreated. */
  lateListingRate: number;
  lateListingMinutes: number;
  /** Share of blobs whose body is truncated JSON (permanently: the same blob is always malformed). */
  malformedBlobRate: number;
  /**
   * API requests allowed per real minute (fixed minute buckets) for each (tenant, PublisherIdentifier), as the
   * service counts its quota; past it AF429. 0 = no budget.
   */
  requestBudgetPerMinute: number;

  // Poison blobs. Each blob gets at most one poison kind: explicit contentIds first, then one seeded draw against the
  // rates (which must sum to at most 1). ContentIds do not depend on faults, so ids read from `blobs()` stay valid.
  /** The blob's contentUri answers 404 text/html with no AF code, every time. */
  notFoundBlobRate: number;
  notFoundContentIds: string[];
  /** The listing gives the blob a contentUri on `foreignHost`; the blob id itself answers 404 text/html anywhere. */
  foreignHostBlobRate: number;
  foreignHostContentIds: string[];
  foreignHost: string;
  /** The body is the blob's JSON array padded with whitespace past `oversizeBlobBytes`, streamed in chunks. */
  oversizeBlobRate: number;
  oversizeContentIds: string[];
  oversizeBlobBytes: number;
  /** Send Content-Length with an oversize body (default: chunked, so a client must count while streaming). */
  oversizeContentLength: boolean;
  /** The listing entry's contentCreated is `2024-13-45T99:99:99` (the blob itself is fetchable). */
  badContentCreatedRate: number;
  badContentCreatedContentIds: string[];
  /** The blob answers 404 text/html with no AF code until its recovery time (simulated clock), then serves normally. */
  recoveringBlobRate: number;
  recoveringContentIds: string[];
  /** Recovery time = contentCreated + this, unless `recoverAt` is set. */
  recoverAfterMinutes: number;
  /** Absolute recovery time (ms or ISO) for every recovering blob. */
  recoverAt?: number | string;
  /**
   * Share of user-reported alerts whose AlertId is `__proto__` (their investigation references `__proto__` too), and
   * blobs whose AlertTriggered records get it. Not poison: the rows are expected in the table.
   */
  protoAlertRate: number;
  protoAlertContentIds: string[];
}

/** The request kinds the simulator tells apart (scripted responses match on them). */
export type RequestKind = 'token' | 'start' | 'stop' | 'subscriptions' | 'list' | 'content';

/** Requests counted per Host header: the API and token kinds, plus `other` (discovery, unknown paths). */
export type HostRequestKind = RequestKind | 'other';

/** A forced response for the next `times` requests of a kind (default once), before any other rule. */
export interface ScriptedResponse {
  match: RequestKind;
  status: number;
  /** API error code (AFxxxxx) for the `{"error":{"code","message"}}` body; token requests get an AAD-style body. */
  code?: string;
  message?: string;
  headers?: Record<string, string>;
  times?: number;
  /** Only requests for this tenant (path tenant of API and token calls); default any tenant. */
  tenantId?: string;
}

/** One tenant of a multi-tenant simulator. */
export interface SimTenantOptions {
  /** GUID, unique among the tenants. */
  tenantId: string;
  /** Display name; default `tenant-<n>` (1-based). */
  name?: string;
  /** Default: SimOptions.seed (default 1) + the tenant's index. */
  seed?: number;
  /** Default: the shared (multi-tenant) app's client id and secret. */
  clientId?: string;
  clientSecret?: string;
  /** Merged over SimOptions.tenant. */
  profile?: Partial<TenantProfile>;
  /** Merged over SimOptions.faults. */
  faults?: Partial<FaultConfig>;
  replayDir?: string;
}

export interface SimOptions {
  /** Default LOCAL_O365_PORT or 8443; 0 = a free port. Binds 127.0.0.1. */
  port?: number;
  /** Drives content availability, windows, retention, expiry and the Date header. Default: the system clock. */
  clock?: Clock;
  /** Default 1. */
  seed?: number;
  /**
   * Generated content is drawn per hour, counted from the hour of this instant (ms). Default 0: absolute hours, so a
   * restarted simulator serves the same history. Tests give their start time, so every run sees the same content
   * whatever hour of the day it runs at.
   */
  epochMs?: number;
  /** Default: env O365_TENANT_ID / O365_CLIENT_ID / O365_CLIENT_SECRET, else the documented demo values. */
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Default ensureLocalCertificate(). */
  cert?: LocalCertificate;
  tenant?: Partial<TenantProfile>;
  /** Content references per listing page. Default 200. */
  pageSize?: number;
  faults?: Partial<FaultConfig>;
  /** Serve a folder of exported content blobs (JSON arrays) instead of the generated tenant. */
  replayDir?: string;
  /**
   * Several tenants, each with its own content, faults, throttling and ground truth. When given, `tenantId` and
   * `replayDir` must not be; `tenant` and `faults` are the defaults each tenant's own are merged over.
   */
  tenants?: SimTenantOptions[];
}

export interface BudgetMinute {
  /** Start of the real-time minute (ISO). */
  minute: string;
  /** API requests counted against the budget in that minute (accepted ones). */
  requests: number;
  /** Requests refused with AF429 because the budget was spent. */
  rejected: number;
}

export interface SimCounters {
  /** API and token requests by kind (admin and discovery requests not included). */
  requests: Record<RequestKind, number>;
  /** Answers by HTTP status ("200", "429", ...). */
  byStatus: Record<string, number>;
  /** Error answers by code (AFxxxxx, or the AAD error for token requests). */
  byCode: Record<string, number>;
  /** 429 and 403-AF429 answers, whatever caused them. */
  throttled: number;
  /** API requests that did not carry PublisherIdentifier (the client should send it on every call). */
  missingPublisherIdentifier: number;
  faultsInjected: {
    latency: number;
    throttle: number;
    serverError: number;
    timeout: number;
    scripted: number;
    overBudget: number;
    malformedServed: number;
    /** 404 text/html answers for notFound and foreign-host blob ids. */
    notFoundServed: number;
    /** Listing entries whose contentUri was put on the foreign host. */
    foreignHostListed: number;
    /** Requests that arrived with the foreign host as their Host header (a client followed a foreign contentUri). */
    foreignHostRequests: number;
    oversizeServed: number;
    badContentCreatedListed: number;
    /** 404 answers of recovering blobs before their recovery time, and normal answers after it. */
    recoveringFailed: number;
    recoveringServed: number;
  };
  budget: {
    limitPerMinute: number;
    /** The last 60 real minutes that saw API requests, oldest first (all publishers summed). */
    perMinute: BudgetMinute[];
    /** Most requests accepted in one minute for one (tenant, publisher) so far. */
    peakPerMinute: number;
    /** Per PublisherIdentifier (`(none)` when absent). */
    byPublisher: Record<string, { peakPerMinute: number; accepted: number; rejected: number }>;
  };
  blobsServed: number;
  recordsServed: number;
  /** Requests by Host header (lower case, port kept) and kind: which cloud host a client used. */
  hosts: Record<string, Partial<Record<HostRequestKind, number>>>;
  /** Requests on the foreign host that carried an Authorization header (a token sent to a stranger). */
  authorizationToForeignHost: number;
  /** Per tenant (only on the whole-simulator snapshot). */
  byTenant?: Record<string, SimCounters>;
}

/** One selected user-reported alert record with its correlated investigation. */
export interface GroundTruthAlert {
  alertRecordId: string;
  alertId: string;
  /** The investigation whose record gave `verdict`. */
  investigationId: string;
  /** The latest processed status known at release (by LastUpdateTimeUtc, then CreationTime, then record Id). */
  verdict: string;
  /** The earliest processed status referencing the alert. */
  firstVerdict: string;
  /** The latest processed status referencing the alert in the range, whenever it became known. */
  latestVerdict: string;
  /** End of the pipeline window in which the alert is released (see GroundTruthOptions). */
  releasedInWindowEnd: string;
}

/** One expected table row (the columns a test compares). */
export interface GroundTruthRow {
  Id: string;
  RecordType: 40 | 64;
  /** The tenant. */
  OrganizationId: string;
  AlertId: string | null;
  InvestigationId: string | null;
  Status: string;
  AirInvestigationId: string | null;
  AirVerdict: string | null;
  /** Obtained blobs that hold the record, sorted. */
  ContentIds: string[];
}

export interface PoisonBlob {
  contentId: string;
  kind: PoisonKind;
  contentCreated: string;
  contentExpiration: string;
  /** Recovering blobs only. */
  recoversAt?: string;
}

export interface GroundTruthOptions {
  /** Default: the first tenant. */
  tenantId?: string;
  /** Blobs to treat as never obtained (e.g. the contentIds of the pipeline's data-loss list). */
  excludeContentIds?: string[];
  /**
   * Only blobs listable by this instant (ms) are in the range: give the time of the consumer's last listing, so a
   * late-listed blob it could not see yet is left out (of the selection and of every count). Default: all of them.
   */
  listedBy?: number;
  /** Recovering blobs count as obtained ('recovered', default, when they recover before expiry) or lost. */
  recovering?: 'recovered' | 'lost';
  /** The pipeline's window length (default 60) and origin (ms, default 0 = aligned to the epoch), for release. */
  windowMinutes?: number;
  windowOriginMs?: number;
}

/**
 * What a correct "AIR-processed user-reported phish" selection holds for content listed in [from, to): created there,
 * or created earlier and listed again there.
 */
export interface GroundTruth {
  from: string;
  to: string;
  /** Record Ids of the selection (investigation and alert records), sorted and unique. */
  ids: string[];
  alerts: GroundTruthAlert[];
  /** Distinct investigations among the selected RecordType 64 records. */
  investigations: number;
  /** Content blobs in the range (malformed ones included). */
  contentBlobs: number;
  /** Distinct records in the range (duplicates once, malformed blobs excluded). */
  records: number;
  /** Blobs in the range whose body is malformed; their records are not in `ids` (a consumer can only quarantine them). */
  malformedContentIds: string[];
  /** Blobs in the range already past contentExpiration at the time of the call (fetching them gives AF20051). */
  expiredContentIds: string[];
  /** Selected ids found only in expired blobs (data a late consumer has lost). */
  expiredIds: string[];
  tenantId: string;
  /** The expected table rows, sorted by Id (same records as `ids`). */
  rows: GroundTruthRow[];
  /**
   * Records of a selected investigation that follow its first processed status (by LastUpdateTimeUtc, then
   * CreationTime), whatever their own status; included in `ids`.
   */
  laterUpdateIds: string[];
  /** Poison blobs in the range (see FaultConfig), sorted by contentId. */
  poison: PoisonBlob[];
  poisonContentIds: string[];
  /** The selection when no poison blob is ever obtained. */
  ifPoisonNeverRecovers: { ids: string[]; alertRecordIds: string[] };
  /** The selection when recovering blobs are obtained after recovery (the other poison kinds stay lost). */
  ifPoisonRecovers: { ids: string[]; alertRecordIds: string[] };
  /** Echo of GroundTruthOptions.excludeContentIds (sorted). */
  excludedContentIds: string[];
}

export interface SimTenantInfo {
  tenantId: string;
  name: string;
  seed: number;
}

/** A blob of a tenant's content, as `blobs()` lists it (to pick explicit fault targets). */
export interface SimBlobInfo {
  contentId: string;
  contentType: string;
  contentCreated: string;
  poison?: PoisonKind;
}

/** One tenant of a running simulator. */
export interface SimTenant extends SimTenantInfo {
  counters(): SimCounters;
  faults(): FaultConfig;
  setFaults(f: Partial<FaultConfig>): void;
  groundTruth(fromMs: number, toMs: number, options?: Omit<GroundTruthOptions, 'tenantId'>): GroundTruth;
  /** Blobs whose contentCreated falls in [fromMs, toMs), sorted by contentCreated. */
  blobs(fromMs: number, toMs: number): SimBlobInfo[];
}

export interface RunningSim {
  apiUrl: string;
  loginUrl: string;
  /** The first tenant. */
  tenantId: string;
  clientId: string;
  clientSecret: string;
  tenants: SimTenantInfo[];
  /** Throws for a tenant the simulator does not serve. */
  tenant(tenantId: string): SimTenant;
  /** The whole simulator, with `byTenant`. */
  counters(): SimCounters;
  /** The first tenant's, unless options.tenantId names another. */
  groundTruth(fromMs: number, toMs: number, options?: GroundTruthOptions): GroundTruth;
  /** Every tenant's faults, or one tenant's. */
  setFaults(f: Partial<FaultConfig>, tenantId?: string): void;
  /** The first tenant's blobs, unless `tenantId` names another. */
  blobs(fromMs: number, toMs: number, tenantId?: string): SimBlobInfo[];
  script(rules: ScriptedResponse[]): void;
  close(): Promise<void>;
}
