/**
 * One live loop per tenant, started, stopped and reported the same way by the HTTP routes and the reconcile timer.
 * Names come from src/pipeline/tenants.ts.
 */
import * as df from 'durable-functions';
import type { DurableOrchestrationStatus } from 'durable-functions';
import type { Config, TenantConfig } from '../config';
import {
  OrchestratorNames,
  STOP_EVENT,
  type Checkpoint,
  type LoopSettings,
  type PipelineLoopInput,
} from '../pipeline/model';
import type { PipelineState } from '../pipeline/state';
import { loopIdFor } from '../pipeline/tenants';
import { MINUTE_MS, isoOf } from '../pipeline/windows';
import { BadRequest, isNotFound } from './http';

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);
const RECENT_WINDOWS = 6;

export function loopSettings(config: Config, tenant: TenantConfig, startFrom?: string): LoopSettings {
  const p = config.pipeline;
  return {
    contentTypes: tenant.contentTypes,
    windowMinutes: p.windowMinutes,
    settleMinutes: p.settleMinutes,
    relistOverlapMinutes: p.relistOverlapMinutes,
    holdHours: p.alertHoldHours,
    ...((startFrom ?? p.startFrom) ? { startFrom: startFrom ?? p.startFrom } : {}),
  };
}

export async function instanceStatus(
  client: df.DurableClient,
  id: string,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(id, { showInput: false });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export function isActive(
  status: DurableOrchestrationStatus | undefined,
): status is DurableOrchestrationStatus {
  return status !== undefined && ACTIVE.has(status.runtimeStatus);
}

/** Starts the tenant's loop unless it runs; returns what it found. Refuses a checkpoint of another tenant. */
export async function startLoop(
  client: df.DurableClient,
  state: PipelineState,
  config: Config,
  tenant: TenantConfig,
  startFrom?: string,
): Promise<{ loopId: string; started: boolean; runtimeStatus?: string }> {
  const loopId = loopIdFor(config.tenants, tenant.tenantId);
  const existing = await instanceStatus(client, loopId);
  if (isActive(existing)) return { loopId, started: false, runtimeStatus: existing.runtimeStatus };
  const checkpoint = await state.loadCheckpoint(loopId);
  if (checkpoint?.tenantId && checkpoint.tenantId.toLowerCase() !== tenant.tenantId.toLowerCase()) {
    throw new BadRequest(
      `The checkpoint of loop ${loopId} belongs to tenant ${checkpoint.tenantId}, not ${tenant.tenantId}: ` +
        'the first tenant of O365_TENANT_ID keeps the single-tenant names, so keep the list in its original order.',
      409,
    );
  }
  // A stop request left by the previous run must not stop this one after its first window.
  await state.requestStop(loopId, null);
  const input: PipelineLoopInput = {
    loopId,
    tenantId: tenant.tenantId,
    settings: loopSettings(config, tenant, startFrom),
  };
  await client.startNew(OrchestratorNames.pipelineLoop, { instanceId: loopId, input });
  return { loopId, started: true };
}

/** The tenant's pipeline state (absent: the first tenant's, which also holds the loop registry). */
export type StateOf = (tenantId?: string) => Promise<PipelineState>;

/** Starts each tenant's loop unless it runs, and records that the operator started them (reconcile.ts follows). */
export async function startLoops(
  client: df.DurableClient,
  config: Config,
  tenants: TenantConfig[],
  startFrom: string | undefined,
  stateOf: StateOf,
) {
  const loops = [];
  for (const tenant of tenants) {
    const started = await startLoop(client, await stateOf(tenant.tenantId), config, tenant, startFrom);
    loops.push({ tenantId: tenant.tenantId, ...started });
  }
  const ids = tenants.map((t) => t.tenantId);
  const state = await stateOf();
  const registry = await state.readLoopRegistry();
  await state.writeLoopRegistry({
    started: true,
    tenants: [...new Set([...registry.tenants, ...ids])],
    stopped: (registry.stopped ?? []).filter((id) => !ids.includes(id)),
  });
  return loops;
}

/** What the start route says about the loops it found and started. */
export function startMessage(loops: { started: boolean; runtimeStatus?: string }[]): string {
  const started = loops.filter((l) => l.started).length;
  if (started === loops.length) {
    return loops.length === 1
      ? 'The pipeline was started.'
      : `The pipeline was started for ${started} tenants.`;
  }
  if (started > 0) return `Started ${started} tenant loop(s); ${loops.length - started} already running.`;
  return `The pipeline is already ${(loops[0]?.runtimeStatus ?? 'running').toLowerCase()}.`;
}

/**
 * Asks each tenant's loop to stop after its window in progress; returns the loops asked. Records the operator's stop
 * so the reconcile timer leaves them stopped (all of them stopped: the pipeline counts as never started).
 */
export async function stopLoops(
  client: df.DurableClient,
  config: Config,
  tenants: TenantConfig[],
  nowMs: number,
  stateOf: StateOf,
): Promise<string[]> {
  const stopped: string[] = [];
  for (const tenant of tenants) {
    const loopId = loopIdFor(config.tenants, tenant.tenantId);
    if (await stopLoop(client, await stateOf(tenant.tenantId), loopId, nowMs)) stopped.push(loopId);
  }
  if (stopped.length === 0) return stopped;
  const all = config.tenants.filter((t) => t.enabled).length === tenants.length;
  const ids = tenants.map((t) => t.tenantId);
  const state = await stateOf();
  const registry = await state.readLoopRegistry();
  await state.writeLoopRegistry(
    all
      ? { started: false, tenants: [] }
      : { ...registry, stopped: [...new Set([...(registry.stopped ?? []), ...ids])] },
  );
  return stopped;
}

/** Asks the tenant's loop to stop after its window in progress; false when it was not running. */
export async function stopLoop(
  client: df.DurableClient,
  state: PipelineState,
  loopId: string,
  nowMs: number,
): Promise<boolean> {
  if (!isActive(await instanceStatus(client, loopId))) return false;
  const requestedAt = isoOf(nowMs);
  // Stored first: the event alone can be dropped between two generations of the loop.
  await state.requestStop(loopId, requestedAt);
  await client.raiseEvent(loopId, STOP_EVENT, { requestedAt });
  return true;
}

/** One tenant's part of GET /api/pipeline/status. */
export async function loopStatus(
  client: df.DurableClient,
  state: PipelineState,
  config: Config,
  tenant: TenantConfig,
  nowMs: number,
) {
  const loopId = loopIdFor(config.tenants, tenant.tenantId);
  const instance = await instanceStatus(client, loopId);
  const checkpoint = await state.loadCheckpoint(loopId);
  return {
    tenantId: tenant.tenantId,
    tenantName: tenant.name,
    instanceId: loopId,
    runtimeStatus: instance?.runtimeStatus ?? 'NotStarted',
    lastUpdatedTime: instance?.lastUpdatedTime,
    loop: instance?.customStatus ?? null,
    checkpoint,
    lagMinutes: checkpoint
      ? Math.max(0, Math.round((nowMs - Date.parse(checkpoint.nextStart)) / MINUTE_MS))
      : null,
    recentWindows: checkpoint ? await recentLedger(state, checkpoint, config, tenant) : [],
  };
}

/** The ledger around the checkpoint: the last windows done and any failed run of the window in progress. */
async function recentLedger(
  state: PipelineState,
  checkpoint: Checkpoint,
  config: Config,
  tenant: TenantConfig,
) {
  const windowMs = config.pipeline.windowMinutes * MINUTE_MS;
  const to = Date.parse(checkpoint.nextStart) + windowMs;
  const from = Date.parse(checkpoint.nextStart) - RECENT_WINDOWS * windowMs;
  const out = [];
  for (const contentType of tenant.contentTypes) {
    const entries = await state.readLedger(contentType, from, to);
    for (const entry of entries.slice(-(RECENT_WINDOWS + 1))) {
      const last = entry.runs[entry.runs.length - 1];
      out.push({
        contentType,
        windowStart: entry.windowStart,
        windowEnd: entry.windowEnd,
        status: entry.status,
        blobs: entry.contentIds.length,
        runs: entry.runs.length,
        lastRun: last
          ? { kind: last.kind, status: last.status, at: last.at, error: last.error, latency: last.latency }
          : undefined,
      });
    }
  }
  return out;
}
