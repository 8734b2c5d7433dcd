/**
 * HTTP API of the pipeline (docs/operations.md): each handler parses its input (requests.ts), calls PipelineState or
 * the durable client (loops.ts), and replies; `route` answers a refused request with its 4xx. src/index.ts registers
 * them.
 */
import * as df from 'durable-functions';
import type { DurableOrchestrationStatus } from 'durable-functions';
import type { Config, TenantConfig } from '../config';
import { OrchestratorNames, type RewindInput, type RewindStatus } from '../pipeline/model';
import { serverErrorsOf } from '../pipeline/telemetry';
import { loopIdFor } from '../pipeline/tenants';
import { isoOf } from '../pipeline/windows';
import { getConfig, getO365Client, getState, now } from '../runtime';
import { BadRequest, json, readQuery, route } from './http';
import { loopStatus, startLoops, startMessage, stopLoops } from './loops';
import { parkedStatus, windowFindings } from './parked';
import { parseRewindBody, parseStartBody, parseStopBody, parseWindowsQuery, selectTenants } from './requests';

/** Rewinds re-fetch every blob of their range: a few at once is plenty, more only competes for the request budget. */
export const MAX_CONCURRENT_REWINDS = 3;

/** POST /api/pipeline/start[?tenant=]  starts every enabled tenant's loop (or the one named) unless it runs. */
export const startPipeline = route(async (request, context) => {
  const config = getConfig();
  const { startFrom, tenants } = await parseStartBody(request, now(), config);
  const client = df.getClient(context);
  const loops = await startLoops(client, config, tenants, startFrom, getState);
  const first = loops[0];
  return json(loops.some((l) => l.started) ? 202 : 200, {
    message: startMessage(loops),
    instanceId: first.loopId,
    ...client.createHttpManagementPayload(first.loopId),
    loops,
  });
});

/** POST /api/pipeline/stop[?tenant=]  each loop stops after the window in progress. */
export const stopPipeline = route(async (request, context) => {
  const config = getConfig();
  const tenants = await parseStopBody(request, config);
  const stopped = await stopLoops(df.getClient(context), config, tenants, now(), getState);
  if (stopped.length === 0) {
    throw new BadRequest(
      'The pipeline is not running (never started); start it with POST /api/pipeline/start.',
      409,
    );
  }
  return json(202, { message: 'Stop requested: the pipeline stops after the window in progress.', stopped });
});

/** POST /api/pipeline/rewind  re-processes a range of one tenant alongside its live loop. */
export const rewindPipeline = route(async (request, context) => {
  const config = getConfig();
  const { tenant, ...range } = await parseRewindBody(request, now(), config);
  const client = df.getClient(context);
  await refuseOverRewindLimit(client);
  const input: RewindInput = {
    tenantId: tenant.tenantId,
    // Blobs the rewind cannot fetch join the parked set of the tenant's live loop, which retries them.
    loopId: loopIdFor(config.tenants, tenant.tenantId),
    ...range,
    windowMinutes: config.pipeline.windowMinutes,
    holdHours: config.pipeline.alertHoldHours,
  };
  const instanceId = await client.startNew(OrchestratorNames.rewindRange, { input });
  const message = `Rewind of ${input.from}..${input.to} started.`;
  return json(202, { message, instanceId, ...client.createHttpManagementPayload(instanceId) });
});

async function refuseOverRewindLimit(client: df.DurableClient): Promise<void> {
  const running = await runningRewinds(client);
  if (running.length < MAX_CONCURRENT_REWINDS) return;
  throw new BadRequest(
    `${running.length} rewinds are running (${running.map((r) => r.instanceId).join(', ')}); at most ` +
      `${MAX_CONCURRENT_REWINDS} run at once. Wait for one to finish, or terminate it through its Durable URLs.`,
    409,
  );
}

/** A tenant's rewinds in progress with their progress (a rewind without a tenant is the first tenant's). */
function rewindsOf(all: DurableOrchestrationStatus[], tenantId: string, firstTenantId: string | undefined) {
  return all
    .filter((r) => ((r.input as RewindInput | undefined)?.tenantId ?? firstTenantId) === tenantId)
    .map((r) => {
      const progress = (r.customStatus ?? {}) as Partial<RewindStatus>;
      return {
        instanceId: r.instanceId,
        runtimeStatus: r.runtimeStatus,
        from: progress.from,
        to: progress.to,
        state: progress.state,
        windowsDone: progress.windowsDone,
        windowsTotal: progress.windowsTotal,
        ...(progress.lastError ? { lastError: progress.lastError } : {}),
      };
    });
}

async function runningRewinds(client: df.DurableClient): Promise<DurableOrchestrationStatus[]> {
  const active = await client.getStatusBy({
    runtimeStatus: [
      df.OrchestrationRuntimeStatus.Running,
      df.OrchestrationRuntimeStatus.Pending,
      df.OrchestrationRuntimeStatus.Suspended,
    ],
  });
  return active.filter((s) => s.name === OrchestratorNames.rewindRange);
}

/** GET /api/pipeline/windows  per-window ledger of one tenant. */
export const listWindows = route(async (request) => {
  const query = parseWindowsQuery(request, now(), getConfig());
  const tenantId = query.tenant.tenantId;
  const state = await getState(tenantId);
  const findings = await windowFindings(state, loopIdFor(getConfig().tenants, tenantId));
  const windows = [];
  for (const contentType of query.contentTypes) {
    const entries = await state.readLedger(contentType, query.fromMs, query.toMs);
    for (const { contentIds, liveContentIds: _live, ...entry } of entries) {
      windows.push({
        tenantId,
        ...entry,
        blobs: contentIds.length,
        ...findings(contentType, entry.windowStart),
      });
    }
  }
  return json(200, { from: isoOf(query.fromMs), to: isoOf(query.toMs), windows });
});

/** GET /api/pipeline/status[?tenant=]  per tenant: runtime status, checkpoint, lag, windows, failures, faults. */
export const pipelineStatus = route(async (request, context) => {
  const config = getConfig();
  const query = readQuery(request, ['tenant']);
  const client = df.getClient(context);
  const nowMs = now();
  const rewinds = await runningRewinds(client);
  const tenants = [];
  for (const tenant of selectTenants(config, query.tenant, true))
    tenants.push(await tenantStatus(client, config, tenant, rewinds, nowMs));
  return json(200, { ...tenants[0], now: isoOf(nowMs), tenants });
});

async function tenantStatus(
  client: df.DurableClient,
  config: Config,
  tenant: TenantConfig,
  rewinds: DurableOrchestrationStatus[],
  nowMs: number,
) {
  const state = await getState(tenant.tenantId);
  const loop = await loopStatus(client, state, config, tenant, nowMs);
  const { dataLoss: blobLoss, ...parked } = await parkedStatus(state, loop.instanceId, nowMs);
  return {
    ...loop,
    ...parked,
    dataLoss: [...(loop.checkpoint?.dataLoss ?? []), ...blobLoss],
    rewinds: rewindsOf(rewinds, tenant.tenantId, config.tenants[0]?.tenantId),
    faults: await faultsOf(tenant.tenantId),
  };
}

async function faultsOf(tenantId: string) {
  const stats = await getO365Client(tenantId).then(
    (c) => c.stats(),
    () => undefined,
  );
  if (!stats) return null;
  return {
    requests: stats.requests,
    retries: stats.retries,
    throttled: stats.throttled,
    serverErrors: serverErrorsOf(stats.byErrorCode),
    byErrorCode: stats.byErrorCode,
    tokenRefreshes: stats.tokenRefreshes,
    listingRestarts: stats.listingRestarts,
    windowsClamped: stats.windowsClamped,
    note: 'O365 request counters of this app instance since it started',
  };
}
