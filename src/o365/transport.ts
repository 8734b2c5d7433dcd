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
  FatalApiError,
  type Reaction,
  reactionFor,
  ThrottledError,
  TransientApiError,
  UnauthorizedError,
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
}

const PUBLISHER_PARAM = 'PublisherIdentifier';
/** Error bodies are echoed into messages; keep them short. */
const MAX_MESSAGE_CHARS = 300;

export class ApiTransport {
  readonly counters: TransportCounters = {
    requests: 0,
    retries: 0,
    throttled: 0,
    byErrorCode: {},
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

  budgetStats(): ReturnType<RequestBudget['stats']> {
    return this.options.budget.stats();
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
    let token = await tokens.get();
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
          token = await tokens.refresh(token);
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
    throw new FatalApiError(`${operation}: ${failure.code ?? `HTTP ${failure.status}`}: ${failure.message}`, {
      status: failure.status,
      code: failure.code,
      operation,
    });
  }

  private count(code: string): void {
    this.counters.byErrorCode[code] = (this.counters.byErrorCode[code] ?? 0) + 1;
  }

  private withPublisher(operation: Operation, url: string): string {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new FatalApiError(`${operation}: not a URL: ${JSON.stringify(url.slice(0, 200))}`, {
        status: 0,
        code: 'InvalidUrl',
        operation,
      });
    }
    if (u.origin !== this.origin) {
      throw new FatalApiError(
        `${operation}: refusing to send the API token to ${u.origin}; only ${this.origin} (O365_API_URL) is trusted.`,
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
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal,
      });
      text = await response.text();
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
