/**
 * Sends one API request the way every call needs it: within the shared budget, with a bearer token and the
 * PublisherIdentifier, under a per-attempt timeout, learning the server's clock from `Date`, and retrying what the
 * error table says is worth retrying (throttling, 5xx, timeouts, one 401 after a token refresh).
 *
 * Reactions that depend on the call (start a subscription, clamp a window, restart a listing, skip a blob) are not
 * decided here: the failure is returned to the caller with its reaction.
 */
import type { RequestBudget } from './budget';
import { parseDateHeader, parseRetryAfter } from './dates';
import {
  ContentTooLargeError,
  FatalApiError,
  type Reaction,
  reactionFor,
  ThrottledError,
  TransientApiError,
  UnauthorizedError,
  UntrustedContentUriError,
} from './errors';
import { backoffDelay, type RetryPolicy } from './retry';
import type { TokenSource } from './token';

export type Operation = 'listSubscriptions' | 'startSubscription' | 'listContent' | 'fetchContent';

export interface ApiSuccess {
  ok: true;
  status: number;
  headers: Headers;
  text: string;
}

/** An error answer whose reaction belongs to the caller. */
export interface ApiFailure {
  ok: false;
  status: number;
  code?: string;
  message: string;
  reaction: Reaction;
  headers: Headers;
  /** Content-Length of a body refused as too large, when declared. */
  declaredBytes?: number;
}

/** Counters the transport updates; the client reports them. */
export interface TransportCounters {
  requests: number;
  retries: number;
  throttled: number;
  byErrorCode: Record<string, number>;
  tokenRefreshes: number;
  budgetWaits: number;
  budgetWaitMs: number;
}

export interface TransportOptions {
  apiUrl: string;
  publisherId: string;
  tokens: TokenSource;
  budget: RequestBudget;
  retry: RetryPolicy;
  now: () => number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Largest response body read, in bytes; a larger one is not downloaded further (O365_MAX_CONTENT_MB). */
  maxBodyBytes: number;
  /**
   * Test seam: the fetch dispatcher (e.g. one that connects every host name to a loopback server). Unset in
   * production: the global dispatcher and system DNS.
   */
  dispatcher?: RequestInit['dispatcher'];
}

const PUBLISHER_PARAM = 'PublisherIdentifier';
/** Error bodies are echoed into messages; keep them short. */
const MAX_MESSAGE_CHARS = 300;

export class ApiTransport {
  readonly counters: TransportCounters = {
    requests: 0,
    retries: 0,
    throttled: 0,
    // Keys come from the server's answers: no prototype, so `__proto__` is counted like any other code.
    byErrorCode: Object.create(null) as Record<string, number>,
    tokenRefreshes: 0,
    budgetWaits: 0,
    budgetWaitMs: 0,
  };
  /** Server clock minus local clock, learned from the last `Date` header. */
  skewMs = 0;
  private readonly origin: string;

  constructor(private readonly options: TransportOptions) {
    this.origin = new URL(options.apiUrl).origin;
  }

  get maxBodyBytes(): number {
    return this.options.maxBodyBytes;
  }

  budgetStats(): ReturnType<RequestBudget['stats']> {
    return this.options.budget.stats();
  }

  fetchesInFlight(): number {
    return this.options.budget.fetchesInFlight();
  }

  /** The server's current time as best known: the injected clock corrected by the learned skew. */
  serverNow(): number {
    return this.options.now() + this.skewMs;
  }

  /**
   * Sends `method url` until it succeeds, fails with a reaction the caller owns, or retries run out (then throws).
   * `url` must be on the configured API origin: a token is never sent anywhere else, whatever a listing links to.
   */
  async send(operation: Operation, method: 'GET' | 'POST', url: string): Promise<ApiSuccess | ApiFailure> {
    const target = this.withPublisher(operation, url);
    const { retry, tokens, budget, random, sleep } = this.options;
    let token = await this.counted(() => tokens.get());
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) this.counters.retries++;
      const paused = budget.pausedForMs();
      if (paused > retry.maxDelayMs) {
        // Another call was told to wait longer than a worker should block: fail fast (nothing sent), the caller
        // reschedules.
        throw new ThrottledError(
          `${operation}: the tenant's request budget is paused for ${paused} ms after throttling; retry later.`,
          { status: 0, code: 'BudgetPaused', operation, retryAfterMs: paused },
        );
      }
      const waited = await budget.acquire();
      if (waited > 0) {
        this.counters.budgetWaits++;
        this.counters.budgetWaitMs += waited;
      }
      this.counters.requests++;
      const result = await this.attempt(method, target, token);
      if (result.ok) return result;
      this.count(result.code ?? (result.status === 0 ? 'NetworkError' : `HTTP ${result.status}`));
      const details = { status: result.status, code: result.code, operation };
      const retryAfterMs = parseRetryAfter(result.headers.get('retry-after'), this.options.now());
      switch (result.reaction) {
        case 'refreshToken':
          if (refreshed) {
            throw new UnauthorizedError(
              `${operation}: the API answered 401 again after a new token was obtained: ${result.message}`,
              details,
            );
          }
          refreshed = true;
          this.counters.tokenRefreshes++;
          token = await this.counted(() => tokens.refresh(token));
          continue;
        case 'throttled': {
          this.counters.throttled++;
          if (retryAfterMs !== undefined && retryAfterMs > retry.maxDelayMs) {
            budget.pauseFor(retryAfterMs);
            throw new ThrottledError(
              `${operation}: throttled (${result.code ?? result.status}) with Retry-After ${retryAfterMs} ms, longer than retry.maxDelayMs; retry later: ${result.message}`,
              { ...details, retryAfterMs },
            );
          }
          if (attempt >= retry.maxAttempts) {
            throw new ThrottledError(
              `${operation}: still throttled after ${attempt} attempts: ${result.message}`,
              { ...details, retryAfterMs },
            );
          }
          // Every caller of this tenant waits, not only this one: the pool is shared.
          budget.pauseFor(backoffDelay(retry, attempt, retryAfterMs, random));
          continue;
        }
        case 'retry':
          if (attempt >= retry.maxAttempts) {
            throw new TransientApiError(
              `${operation}: failed after ${attempt} attempts (${result.code ?? `HTTP ${result.status}`}): ${result.message}`,
              details,
            );
          }
          await sleep(Math.min(backoffDelay(retry, attempt, retryAfterMs, random), retry.maxDelayMs));
          continue;
        default:
          return result;
      }
    }
  }

  /** Builds the typed error for a failure the caller does not handle. */
  raise(operation: Operation, failure: ApiFailure): never {
    if (failure.reaction === 'contentTooLarge') throw tooLarge(operation, failure, this.maxBodyBytes);
    throw new FatalApiError(`${operation}: ${failure.code ?? `HTTP ${failure.status}`}: ${failure.message}`, {
      status: failure.status,
      code: failure.code,
      operation,
    });
  }

  /** A token, counting a failed token request under its code. */
  private async counted(get: () => Promise<string>): Promise<string> {
    try {
      return await get();
    } catch (err) {
      this.count((err as { code?: string }).code ?? 'TokenRequestFailed');
      throw err;
    }
  }

  private count(code: string): void {
    this.counters.byErrorCode[code] = (this.counters.byErrorCode[code] ?? 0) + 1;
  }

  private withPublisher(operation: Operation, url: string): string {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new UntrustedContentUriError(`${operation}: not a URL: ${JSON.stringify(url.slice(0, 200))}`, {
        status: 0,
        code: 'InvalidUrl',
        operation,
      });
    }
    // The origin carries scheme, host and port: an http link beside an https API root is refused like a foreign host.
    if (u.origin !== this.origin) {
      throw new UntrustedContentUriError(
        `${operation}: refusing to send the API token to ${u.origin}; only ${this.origin} (the tenant's API root) is trusted.`,
        { status: 0, code: 'UntrustedUrl', operation },
      );
    }
    const present = [...u.searchParams.keys()].some((k) => k.toLowerCase() === PUBLISHER_PARAM.toLowerCase());
    if (!present) u.searchParams.set(PUBLISHER_PARAM, this.options.publisherId);
    return u.toString();
  }

  private async attempt(method: string, url: string, token: string): Promise<ApiSuccess | ApiFailure> {
    const signal = AbortSignal.timeout(this.options.retry.timeoutMs);
    let response: Response;
    let body: Awaited<ReturnType<typeof readCapped>>;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal,
        // A redirect would carry the request (and, same-origin, the token) somewhere the client did not choose.
        redirect: 'manual',
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
      body = await readCapped(response, this.options.maxBodyBytes);
    } catch (err) {
      const timedOut = signal.aborted;
      return {
        ok: false,
        status: 0,
        code: timedOut ? 'Timeout' : 'NetworkError',
        message: timedOut
          ? `no complete answer within ${this.options.retry.timeoutMs} ms`
          : describeNetworkError(err),
        reaction: 'retry',
        headers: new Headers(),
      };
    }
    const serverMs = parseDateHeader(response.headers.get('date'));
    if (serverMs !== undefined) this.skewMs = serverMs - this.options.now();
    if (body.tooLarge) {
      return {
        ok: false,
        status: response.status,
        code: 'ContentTooLarge',
        message:
          body.declaredBytes !== undefined
            ? `the body is ${body.declaredBytes} bytes (Content-Length), over the ${this.options.maxBodyBytes}-byte cap`
            : `the body exceeds the ${this.options.maxBodyBytes}-byte cap (not read further)`,
        reaction: 'contentTooLarge',
        headers: response.headers,
        declaredBytes: body.declaredBytes,
      };
    }
    const text = body.text;
    if (response.ok) return { ok: true, status: response.status, headers: response.headers, text };
    const { code, message } = parseErrorBody(text, response.status);
    return {
      ok: false,
      status: response.status,
      code,
      message,
      reaction: reactionFor(response.status, code, message),
      headers: response.headers,
    };
  }
}

/** How much of an error answer is read: enough for its code and message. */
const ERROR_BODY_BYTES = 64 * 1024;

/**
 * The body as text, read as a stream and abandoned as soon as it passes `maxBytes` (or declares more in
 * Content-Length), so a huge blob never sits whole in memory. An error answer is read only as far as its message
 * needs, and keeps its status whatever its size.
 */
async function readCapped(
  response: Response,
  maxBytes: number,
): Promise<{ tooLarge: false; text: string } | { tooLarge: true; declaredBytes?: number }> {
  const limit = response.ok ? maxBytes : Math.min(maxBytes, ERROR_BODY_BYTES);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (response.ok && Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    return { tooLarge: true, declaredBytes: declared };
  }
  if (!response.body) return { tooLarge: false, text: '' };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > limit) {
      await reader.cancel().catch(() => undefined);
      if (response.ok) return { tooLarge: true };
      chunks.push(value.subarray(0, limit - total));
      break;
    }
    total += value.byteLength;
    chunks.push(value);
  }
  // TextDecoder drops a UTF-8 byte order mark, as Response.text() does.
  return { tooLarge: false, text: new TextDecoder().decode(Buffer.concat(chunks)) };
}

export function tooLarge(operation: string, failure: ApiFailure, limitBytes: number): ContentTooLargeError {
  return new ContentTooLargeError(`${operation}: ${failure.message}`, {
    status: failure.status,
    code: 'ContentTooLarge',
    operation,
    limitBytes,
    declaredBytes: failure.declaredBytes,
  });
}

/** `{"error":{"code":"AF20051","message":"..."}}`; anything else becomes a shortened text message. */
export function parseErrorBody(text: string, status: number): { code?: string; message: string } {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body?.error?.code === 'string' ? body.error.code : undefined;
    const message = typeof body?.error?.message === 'string' ? body.error.message : undefined;
    if (code !== undefined || message !== undefined) {
      return { code, message: (message ?? '').slice(0, MAX_MESSAGE_CHARS) };
    }
  } catch {
    // not JSON: fall through
  }
  const trimmed = text.trim().slice(0, MAX_MESSAGE_CHARS);
  return { message: trimmed === '' ? `HTTP ${status} with an empty body` : trimmed };
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
