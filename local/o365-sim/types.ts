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
}

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
  /** API requests allowed per real minute (fixed minute buckets); past it AF429. 0 = no budget. */
  requestBudgetPerMinute: number;
}

/** The request kinds the simulator tells apart (scripted responses match on them). */
export type RequestKind = 'token' | 'start' | 'stop' | 'subscriptions' | 'list' | 'content';

/** A forced response for the next `times` requests of a kind (default once), before any other rule. */
export interface ScriptedResponse {
  match: RequestKind;
  status: number;
  /** API error code (AFxxxxx) for the `{"error":{"code","message"}}` body; token requests get an AAD-style body. */
  code?: string;
  message?: string;
  headers?: Record<string, string>;
  times?: number;
}

export interface SimOptions {
  /** Default LOCAL_O365_PORT or 8443; 0 = a free port. Binds 127.0.0.1. */
  port?: number;
  /** Drives content availability, windows, retention, expiry and the Date header. Default: the system clock. */
  clock?: Clock;
  /** Default 1. */
  seed?: number;
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
  };
  budget: {
    limitPerMinute: number;
    /** The last 60 real minutes that saw API requests, oldest first. */
    perMinute: BudgetMinute[];
    /** Most requests accepted in one minute so far. */
    peakPerMinute: number;
  };
  blobsServed: number;
  recordsServed: number;
}

/** One selected user-reported alert record with its correlated investigation. */
export interface GroundTruthAlert {
  alertRecordId: string;
  alertId: string;
  investigationId: string;
  verdict: string;
}

/** What a correct "AIR-processed user-reported phish" selection holds for content created in [from, to). */
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
}

export interface RunningSim {
  apiUrl: string;
  loginUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  counters(): SimCounters;
  groundTruth(fromMs: number, toMs: number): GroundTruth;
  setFaults(f: Partial<FaultConfig>): void;
  script(rules: ScriptedResponse[]): void;
  close(): Promise<void>;
}
