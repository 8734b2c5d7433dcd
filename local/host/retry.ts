/**
 * DTFx's retry schedule for `callActivityWithRetry` / `callSubOrchestratorWithRetry`: after the k-th failed attempt
 * the next one waits firstRetryInterval × backoffCoefficient^(k-1), capped by maxRetryInterval, and no attempt starts
 * after retryTimeout has elapsed since the first one.
 */
import type { RetryPolicy } from './wire';

/** Delay before the attempt after `failedAttempts` failures; `undefined` when no further attempt may start. */
export function nextRetryDelay(
  policy: RetryPolicy,
  failedAttempts: number,
  firstAttemptAt: number,
  now: number,
): number | undefined {
  if (failedAttempts >= policy.maxNumberOfAttempts) return undefined;
  let delay = policy.firstRetryIntervalMs * Math.pow(policy.backoffCoefficient, failedAttempts - 1);
  if (policy.maxRetryIntervalMs !== undefined) delay = Math.min(delay, policy.maxRetryIntervalMs);
  if (policy.retryTimeoutMs !== undefined && now >= firstAttemptAt + policy.retryTimeoutMs) return undefined;
  return Math.max(0, Math.round(delay));
}
