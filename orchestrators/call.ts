/**
 * Typed calls from orchestrators: the activity's name fixes its input and output types (from activities/index.ts),
 * so no call site casts. Every activity runs with one retry policy; durable timers drive the waits, so they cost
 * nothing while waiting and replay safely.
 */
import * as df from 'durable-functions';
import { Duration } from 'luxon';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { ActivityInput, ActivityName, ActivityOutput } from '../activities';

/** A durable task whose result has type T (a phantom type: durable-functions' Task is untyped). */
export type TypedTask<T> = Task & { readonly __result?: T };

/** O365 and storage calls: the client already retries single requests; this covers a whole activity failing. */
export function activityRetry(): df.RetryOptions {
  const options = new df.RetryOptions(Duration.fromObject({ seconds: 5 }).toMillis(), 5);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = Duration.fromObject({ minutes: 1 }).toMillis();
  return options;
}

/** Schedules an activity with the retry policy; yield it alone with `call`, or many with `settleAll`. */
export function activityTask<N extends ActivityName>(
  ctx: OrchestrationContext,
  name: N,
  input: ActivityInput<N>,
): TypedTask<ActivityOutput<N>> {
  return ctx.df.callActivityWithRetry(name, activityRetry(), input);
}

/** Runs one activity and returns its typed result. */
export function* call<N extends ActivityName>(
  ctx: OrchestrationContext,
  name: N,
  input: ActivityInput<N>,
): Generator<Task, ActivityOutput<N>, unknown> {
  return (yield activityTask(ctx, name, input)) as ActivityOutput<N>;
}

/** Starts a sub-orchestration with a deterministic instance id. */
export function subOrchestrationTask<I, O>(
  ctx: OrchestrationContext,
  name: string,
  input: I,
  instanceId: string,
): TypedTask<O> {
  return ctx.df.callSubOrchestrator(name, input, instanceId);
}

/**
 * Waits for every task, then returns their results in order, or throws the first failure — only once all have
 * settled. durable-functions' Task.all fails as soon as one task fails while the others keep running; a retry started
 * then would race them on the same documents.
 */
export function* settleAll<T>(
  ctx: OrchestrationContext,
  tasks: TypedTask<T>[],
): Generator<Task, T[], unknown> {
  // Task.all([]) throws in durable-functions.
  if (tasks.length === 0) return [];
  return yield* settle(ctx.df.Task.all(tasks), tasks);
}

/**
 * `settleAll` with at most `limit` tasks in flight, in waves: `starts` are scheduled `limit` at a time, each wave once
 * the previous one has settled, and the results come back in the order of `starts`. After a wave with a failure
 * nothing new starts and its first failure is thrown.
 *
 * Waves, not a sliding window: a sliding window would wait on Task.any over tasks already scheduled, and
 * durable-functions sends a compound task's actions again with every new Task.any, which the Azure host schedules
 * again (azure-functions-durable-js issue #574). Every wave is a Task.all over tasks scheduled with it.
 */
export function* settleInWaves<T>(
  ctx: OrchestrationContext,
  starts: Array<() => TypedTask<T>>,
  limit: number,
): Generator<Task, T[], unknown> {
  const size = Math.max(1, limit);
  const results: T[] = [];
  for (let from = 0; from < starts.length; from += size) {
    const wave = starts.slice(from, from + size).map((start) => start());
    results.push(...(yield* settleAll(ctx, wave)));
  }
  return results;
}

/**
 * `settleAll` for a Task.all that already exists (e.g. raced against a stop event). A task belongs to one compound
 * task only: a second Task.all over the same tasks would never complete, so the caller passes the one it made.
 */
export function* settle<T>(all: Task, tasks: TypedTask<T>[]): Generator<Task, T[], unknown> {
  try {
    return (yield all) as T[];
  } catch (error) {
    for (const task of tasks) {
      if (task.isCompleted || task.isFaulted) continue;
      try {
        yield task;
      } catch {
        // Settled; the first failure is the one reported.
      }
    }
    throw error;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
