/**
 * Daily purge of finished orchestration histories (window sub-orchestrations, fetch batches, rewinds, stopped loops).
 * Each window leaves a few finished instances behind; without a purge the task hub grows forever. Seven days keeps
 * every instance an operator may still want to inspect for content the API still holds. The running loop is never
 * purged (only Completed, Failed and Terminated instances are). The same timer drops the queued-batch id documents
 * that are past their one-hour use.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { RETENTION_MS } from '../pipeline/windows';
import { getState, now } from '../runtime';

export const PURGE_SCHEDULE = '0 17 3 * * *';
export const PURGE_AFTER_MS = RETENTION_MS;

export async function purgeHistory(_timer: Timer, context: InvocationContext): Promise<void> {
  const client = df.getClient(context);
  const result = await client.purgeInstanceHistoryBy({
    createdTimeFrom: new Date(0),
    createdTimeTo: new Date(now() - PURGE_AFTER_MS),
    runtimeStatus: [
      df.OrchestrationRuntimeStatus.Completed,
      df.OrchestrationRuntimeStatus.Failed,
      df.OrchestrationRuntimeStatus.Terminated,
    ],
  });
  context.log(`purged ${result.instancesDeleted} finished orchestration instance(s) older than 7 days`);
  const pruned = await (await getState()).pruneQueuedBatches(now());
  context.log(`pruned ${pruned} queued-batch id document(s) older than an hour`);
}
