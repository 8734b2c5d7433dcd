/**
 * Every side effect of the pipeline, as activities built from the services they use (state, O365 client, Kusto sink,
 * rules). The object's keys are the registered activity names — part of every stored history, so never renamed —
 * and its handlers' parameter and return types are the activities' contracts: orchestrators call them through
 * `orchestrators/call.ts`, which derives input and output types from here, so no call site casts.
 */
import type { RuleSet } from '../src/alerts';
import type { KustoSink } from '../src/kusto';
import type { ManagementApiClient } from '../src/o365';
import type { PipelineState } from '../src/pipeline/state';
import { checkpointActivities } from './checkpoint';
import { correlateWindowActivity } from './correlateWindow';
import { ensureSubscriptionActivity } from './ensureSubscription';
import { fetchContentActivity } from './fetchContent';
import { ingestWindowActivity } from './ingestWindow';
import { listContentActivity } from './listContent';
import { recordWindowActivity } from './recordWindow';

/** The services activities are built from; each is obtained lazily (a cold start that serves status pays nothing). */
export interface ActivityServices {
  /** A tenant's stored state and O365 client; `tenantId` absent (inputs of older histories) = the first tenant. */
  state: (tenantId?: string) => Promise<PipelineState>;
  o365: (tenantId?: string) => Promise<ManagementApiClient>;
  /** The tenant's id and display name (TenantId, TenantName columns); absent = the first tenant. */
  tenantId: (tenantId?: string) => string;
  tenantName: (tenantId?: string) => string;
  sink: () => KustoSink;
  rules: () => RuleSet;
  /** Wall time (the cluster's batching runs on it); orchestrators never use it. */
  now: () => number;
}

export function createActivities(services: ActivityServices) {
  const checkpoint = checkpointActivities(services);
  return {
    loadCheckpoint: checkpoint.loadCheckpoint,
    saveCheckpoint: checkpoint.saveCheckpoint,
    ensureSubscription: ensureSubscriptionActivity(services),
    listContent: listContentActivity(services),
    fetchContent: fetchContentActivity(services),
    correlateWindow: correlateWindowActivity(services),
    ingestWindow: ingestWindowActivity(services),
    recordWindow: recordWindowActivity(services),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type ActivityName = keyof Activities;
export type ActivityInput<N extends ActivityName> = Parameters<Activities[N]>[0];
export type ActivityOutput<N extends ActivityName> = Awaited<ReturnType<Activities[N]>>;

export type { FetchContentInput, FetchContentOutput } from './fetchContent';
export type { ListContentInput, ListContentOutput } from './listContent';
export type { CorrelateWindowInput, CorrelateWindowOutput } from './correlateWindow';
export type { IngestWindowInput, IngestWindowOutput } from './ingestWindow';
export type { RecordWindowInput } from './recordWindow';
