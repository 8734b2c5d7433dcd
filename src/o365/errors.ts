/**
 * The API's error codes, each listed beside the client's reaction (Elastic's o365audit keeps the same kind of table),
 * and the typed errors callers see.
 *
 * Callers decide with `instanceof` or `retryable`: a durable activity rethrows retryable errors so the orchestrator
 * retries it later, and counts the content errors (expired, not found) instead of failing a window.
 */

/** What the client does when a response carries a given code. */
export type Reaction =
  /** Wait (Retry-After, else exponential backoff with jitter) and send again; pause the shared budget. */
  | 'throttled'
  /** Wait with exponential backoff and jitter, and send again. */
  | 'retry'
  /** Get a new token once, then send again. */
  | 'refreshToken'
  /** Start the content type's subscription, then send again. */
  | 'startSubscription'
  /** Only from `subscriptions/start`: the subscription is already on, which is what was asked. */
  | 'alreadyEnabled'
  /** Learn the server clock from the `Date` header, move the window inside the rules, send again. */
  | 'clampWindow'
  /** Throw the pages away and list the window again from its first page. */
  | 'restartListing'
  /** The blob is gone or never existed: the caller skips it and reports it. */
  | 'contentNotFound'
  /** The blob is older than 7 days: the caller skips it and reports data loss. */
  | 'contentExpired'
  /** The body is larger than the client reads (O365_MAX_CONTENT_MB): the caller parks the blob. */
  | 'contentTooLarge'
  /** Configuration or programming error: fail with the service's message. */
  | 'fatal';

/** Every error code the Management Activity API documents, with the client's reaction. */
export const ERROR_CODE_REACTIONS: Readonly<Record<string, { reaction: Reaction; meaning: string }>> = {
  AF10001: {
    reaction: 'fatal',
    meaning: 'the token lacks ActivityFeed.Read (or ActivityFeed.ReadDlp for DLP.All)',
  },
  AF20001: { reaction: 'fatal', meaning: 'a required parameter is missing' },
  AF20002: { reaction: 'fatal', meaning: 'a parameter has the wrong type' },
  AF20003: { reaction: 'fatal', meaning: 'an expiration time is in the past' },
  AF20010: { reaction: 'fatal', meaning: "the token's tenant differs from the tenant in the URL" },
  AF20011: { reaction: 'fatal', meaning: 'the tenant does not exist' },
  AF20012: { reaction: 'fatal', meaning: 'the tenant is not configured for the API' },
  AF20013: { reaction: 'fatal', meaning: 'the tenant id is not a GUID' },
  AF20020: { reaction: 'fatal', meaning: 'the content type is not valid' },
  AF20022: { reaction: 'startSubscription', meaning: 'no subscription for the content type' },
  AF20023: { reaction: 'startSubscription', meaning: 'the subscription was disabled' },
  AF20024: { reaction: 'alreadyEnabled', meaning: 'the subscription is already enabled' },
  AF20030: { reaction: 'clampWindow', meaning: 'window longer than 24 h or start more than 7 days back' },
  AF20055: { reaction: 'clampWindow', meaning: 'window longer than 24 h or start more than 7 days back' },
  AF20031: { reaction: 'restartListing', meaning: 'the nextPage token is not valid' },
  AF20050: { reaction: 'contentNotFound', meaning: 'the content does not exist' },
  AF20052: { reaction: 'contentNotFound', meaning: 'the content id is not valid' },
  AF20051: { reaction: 'contentExpired', meaning: 'the content is older than 7 days' },
  AF429: {
    reaction: 'throttled',
    meaning: 'too many requests (sent as HTTP 429, and as 403 on blob fetches)',
  },
  AF50000: { reaction: 'retry', meaning: 'internal error' },
  AF50005: { reaction: 'retry', meaning: 'internal error' },
  AF50006: { reaction: 'retry', meaning: 'internal error' },
};

/** The reaction to a response without a known code, from its HTTP status alone. */
export function reactionFor(status: number, code: string | undefined, message = ''): Reaction {
  // Own properties only: a code such as `__proto__` or `constructor` from a hostile answer is just unknown.
  const known =
    code !== undefined && Object.hasOwn(ERROR_CODE_REACTIONS, code) ? ERROR_CODE_REACTIONS[code] : undefined;
  if (known) return known.reaction;
  // Unified auditing switched off answers with a 5xx whose body says the tenant does not exist: retrying never helps.
  if (/Tenant .* does not exist/i.test(message)) return 'fatal';
  if (status === 429) return 'throttled';
  if (status === 401) return 'refreshToken';
  if (status === 408 || status >= 500) return 'retry';
  return 'fatal';
}

/** Codes that say the tenant or the app's access to it is wrong: no request of this tenant can succeed. */
const TENANT_LEVEL_CODES = new Set(['AF10001', 'AF20010', 'AF20011', 'AF20012', 'AF20013']);

/**
 * True when a failure concerns the tenant or the app's access to it rather than one request: a permission or tenant
 * code, or the "Tenant ... does not exist" answer of a tenant without unified auditing.
 */
export function isTenantLevelFailure(code: string | undefined, message = ''): boolean {
  return (code !== undefined && TENANT_LEVEL_CODES.has(code)) || /Tenant .* does not exist/i.test(message);
}

export interface ApiErrorDetails {
  /** HTTP status; 0 when no response arrived (timeout, connection failure). */
  status: number;
  /** The API's `error.code` (e.g. `AF20051`), or a client-side code such as `Timeout`. */
  code?: string;
  /** Which call failed, e.g. `listContent`. Never holds a token or a query string. */
  operation: string;
  cause?: unknown;
}

/** Base class: every failure of a Management API call. */
export class ManagementApiError extends Error {
  readonly status: number;
  readonly code?: string;
  readonly operation: string;
  /** True when sending the same request later can succeed. */
  readonly retryable: boolean;

  constructor(message: string, details: ApiErrorDetails, retryable: boolean) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = new.target.name;
    this.status = details.status;
    this.code = details.code;
    this.operation = details.operation;
    this.retryable = retryable;
  }
}

/** Retries ran out on 5xx, 408, AF50000/AF50005/AF50006, a timeout or a connection failure. */
export class TransientApiError extends ManagementApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super(message, details, true);
  }
}

/** Retries ran out while throttled, or the service asked for a wait longer than the client may block. */
export class ThrottledError extends ManagementApiError {
  /** The service's Retry-After, when it sent one (ms). */
  readonly retryAfterMs?: number;
  constructor(message: string, details: ApiErrorDetails & { retryAfterMs?: number }) {
    super(message, details, true);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The API still answered 401 after a fresh token. */
export class UnauthorizedError extends ManagementApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super(message, details, false);
  }
}

/** AF20022/AF20023 that starting the subscription did not cure (or a start was attempted under 15 minutes ago). */
export class SubscriptionMissingError extends ManagementApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super(message, details, true);
  }
}

/** AF20030/AF20055 that clock-skew compensation and clamping did not cure. */
export class WindowRejectedError extends ManagementApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super(message, details, false);
  }
}

/** AF20031 on every restart of a listing. */
export class InvalidNextPageError extends ManagementApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super(message, details, true);
  }
}

/** AF20050/AF20052: the content blob does not exist or its id is invalid. Skip and report. */
export class ContentNotFoundError extends ManagementApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super(message, details, false);
  }
}

/** AF20051: the content blob expired (older than 7 days). Skip and report as data loss. */
export class ContentExpiredError extends ManagementApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super(message, details, false);
  }
}

/** A content blob whose body is not a JSON array of objects. The raw text is kept so it can be quarantined. */
export class MalformedContentError extends ManagementApiError {
  readonly text: string;
  constructor(message: string, details: ApiErrorDetails & { text: string }) {
    super(message, details, false);
    this.text = details.text;
  }
}

/** Configuration or request errors (AF10001, AF20001–AF20003, AF20010–AF20013, AF20020, other 4xx). */
export class FatalApiError extends ManagementApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super(message, details, false);
  }
}

/**
 * A content blob whose fetch was refused for this blob alone: an error status without a code the client knows
 * (e.g. `404 text/html`, a bare 400 or 403), a request-level AF code, or a redirect. Sending it again is unlikely to
 * help soon; the caller parks the blob.
 */
export class ContentRejectedError extends FatalApiError {}

/** A response body larger than the client reads; the rest was not downloaded. */
export class ContentTooLargeError extends ManagementApiError {
  /** The cap, in bytes. */
  readonly limitBytes: number;
  /** Content-Length when the server declared one. */
  readonly declaredBytes?: number;
  constructor(message: string, details: ApiErrorDetails & { limitBytes: number; declaredBytes?: number }) {
    super(message, details, false);
    this.limitBytes = details.limitBytes;
    this.declaredBytes = details.declaredBytes;
  }
}

/**
 * A URL the client will not request: not a URL, or not on the configured API origin (scheme, host and port). Raised
 * before anything is sent, so the token never leaves for another host.
 */
export class UntrustedContentUriError extends FatalApiError {}

/** A listed content reference whose `contentCreated` or `contentExpiration` is not a valid ISO 8601 time. */
export class InvalidContentReferenceError extends ManagementApiError {
  readonly contentId: string;
  readonly field: 'contentCreated' | 'contentExpiration';
  constructor(
    message: string,
    details: ApiErrorDetails & { contentId: string; field: 'contentCreated' | 'contentExpiration' },
  ) {
    super(message, details, false);
    this.contentId = details.contentId;
    this.field = details.field;
  }
}

/** The credential could not get a token (bad or expired secret, missing consent, unreachable authority). */
export class CredentialError extends ManagementApiError {
  constructor(message: string, details: ApiErrorDetails) {
    super(message, details, false);
  }
}

/**
 * What a failed blob fetch means for the blob:
 * - `transient`: throttling, 5xx, timeouts, connection failures — try again with backoff (bounded by the caller);
 * - `permanent`: wrong for this blob (bare or unknown 4xx, too large, foreign or invalid URI, invalid listing dates,
 *   malformed body) — park it and retry it rarely until it expires;
 * - `expired`: AF20051, the blob is past its 7-day retention — data loss;
 * - `notFound`: AF20050/AF20052, the blob does not exist (any more);
 * - `tenant`: not the blob's fault — the credential, the app's permission or the tenant itself is wrong, so every
 *   blob of the tenant fails alike. Do not park blobs for it; fail (and retry) the window, and report it.
 * An error that is not the client's own (a programming error) is `transient`: bounded retries, then the caller parks.
 */
export type BlobFailureKind = 'transient' | 'permanent' | 'expired' | 'notFound' | 'tenant';

export function blobFailureKind(error: unknown): BlobFailureKind {
  if (error instanceof ContentExpiredError) return 'expired';
  if (error instanceof ContentNotFoundError) return 'notFound';
  if (error instanceof ThrottledError || error instanceof TransientApiError) return 'transient';
  if (error instanceof UnauthorizedError || error instanceof CredentialError) return 'tenant';
  if (error instanceof ManagementApiError) {
    return isTenantLevelFailure(error.code, error.message) ? 'tenant' : 'permanent';
  }
  if (error instanceof InvalidWindowError) return 'permanent';
  return 'transient';
}

/** A window the client refuses before sending it: say what is wrong so the caller can fix its arithmetic. */
export class InvalidWindowError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWindowError';
  }
}
