/**
 * How long to wait before sending a failed request again.
 *
 * Exponential backoff with "equal jitter" (half fixed, half random) so that a fan-out of fetches throttled at the same
 * moment does not come back at the same moment; a `Retry-After` from the service wins over the computed delay.
 */
import { Duration } from 'luxon';

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Delay before the first retry; doubles each retry. */
  baseDelayMs: number;
  /**
   * Longest backoff between attempts. A `Retry-After` longer than this is not slept through: the call fails with a
   * ThrottledError carrying `retryAfterMs`, so a durable caller can schedule its retry instead of holding a worker.
   */
  maxDelayMs: number;
  /** Per-attempt time limit, headers and body included. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 6,
  baseDelayMs: Duration.fromObject({ seconds: 1 }).as('milliseconds'),
  maxDelayMs: Duration.fromObject({ minutes: 1 }).as('milliseconds'),
  timeoutMs: Duration.fromObject({ minutes: 1 }).as('milliseconds'),
};

export function resolveRetryPolicy(partial: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(partial ?? {}) };
  for (const [name, min] of [
    ['maxAttempts', 1],
    ['baseDelayMs', 0],
    ['maxDelayMs', 0],
    ['timeoutMs', 1],
  ] as const) {
    const v = policy[name];
    if (!Number.isFinite(v) || v < min)
      throw new RangeError(`retry.${name} must be a number >= ${min}, got ${v}.`);
  }
  return policy;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Delay before retry number `retry` (1 = first retry): `Retry-After` when the service sent one, otherwise
 * base·2^(retry-1), capped at maxDelayMs, of which the upper half is random.
 */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
