/** Retry policies for activities. Durable timers drive the waits, so they cost nothing while waiting and replay safely. */
import * as df from 'durable-functions';

/** O365 and storage calls: the client already retries single requests; this covers a whole activity failing. */
export function activityRetry(): df.RetryOptions {
  const options = new df.RetryOptions(5_000, 5);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = 60_000;
  return options;
}
