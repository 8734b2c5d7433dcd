/**
 * HTTP API of the pipeline (docs/operations.md): each handler parses its input (requests.ts), calls PipelineState or
 * the durable client (loops.ts), and replies. Handlers are exported as plain functions; src/index.ts registers them.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableOrchestrationStatus } from 'durable-functions';
import { OrchestratorNames, type RewindInput, type RewindStatus } from '../pipeline/model';
import { loopIdFor } from '../pipeline/tenants';
import { isoOf } from '../pipeline/windows';
import { getConfig, getO365Client, getState, now } from '../runtime';
import { BadRequest, json, problem, readQuery } from './http';
import { loopStatus, startLoop, stopLoop } from './loops';
import { parkedStatus, windowFindings } from './parked';
import { parseRewindBody, parseStartBody, parseStopBody, parseWindowsQuery, selectTenants } from './requests';

/** Rewinds re-fetch every blob of their range: a few at once is plenty, more only competes for the request budget. */
export const MAX_CONCURRENT_REWINDS = 3;

/** POST /api/pipeline/start[?tenant=]  starts every enabled tenant's loop (or the one named) unless it runs. */
export async function startPipeline(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const config = getConfig();
    const { startFrom, tenants } = await parseStartBody(request, now(), config);
    const client = df.getClient(context);
    const results = [];
    for (const tenant of tenants) {
      const state = await getState(tenant.tenantId);
      results.push({
        tenantId: tenant.tenantId,
        ...(await startLoop(client, state, config, tenant, startFrom)),
      });
    }
    await rememberStarted(tenants.map((t) => t.tenantId));
    const started = results.filter((r) => r.started).length;
    const first = results[0];
    return json(started > 0 ? 202 : 200, {
      message:
        started === results.length
          ? results.length === 1
            ? 'The pipeline was started.'
            : `The pipeline was started for ${started} tenants.`
          : started > 0
            ? `Started ${started} tenant loop(s); ${results.length - started} already running.`
            : `The pipeline is already ${(first.runtimeStatus ?? 'running').toLowerCase()}.`,
      instanceId: first.loopId,
      ...client.createHttpManagementPayload(first.loopId),
      loops: results,
    });
  } catch (e) {
    return problem(e);
  }
}

/** The reconcile timer starts the loops of tenants added later only once an operator started the pipeline. */
async function rememberStarted(tenantIds: string[]): Promise<void> {
  const state = await getState();
  const registry = await state.readLoopRegistry();
  await state.writeLoopRegistry({
    started: true,
    tenants: [...new Set([...registry.tenants, ...tenantIds])],
    stopped: (registry.stopped ?? []).filter((id) => !tenantIds.includes(id)),
  });
}

async function rememberStopped(all: boolean, tenantIds: string[]): Promise<void> {
  const state = await getState();
  const registry = await state.readLoopRegistry();
  await state.writeLoopRegistry(
    all
      ? { started: false, tenants: [] }
      : { ...registry, stopped: [...new Set([...(registry.stopped ?? []), ...tenantIds])] },
  );
}

/** POST /api/pipeline/stop[?tenant=]  each loop stops after the window in progress. */
export async function stopPipeline(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const config = getConfig();
    const tenants = await parseStopBody(request, config);
    const client = df.getClient(context);
    const stopped: string[] = [];
    for (const tenant of tenants) {
      const loopId = loopIdFor(config.tenants, tenant.tenantId);
      if (await stopLoop(client, await getState(tenant.tenantId), loopId, now())) stopped.push(loopId);
    }
    if (stopped.length === 0) {
      throw new BadRequest(
        'The pipeline is not running (never started); start it with POST /api/pipeline/start.',
        409,
      );
    }
    await rememberStopped(
      config.tenants.filter((t) => t.enabled).length === tenants.length,
      tenants.map((t) => t.tenantId),
    );
    return json(202, {
      message: 'Stop requested: the pipeline stops after the window in progress.',
      stopped,
    });
  } catch (e) {
    return problem(e);
  }
}

/** POST /api/pipeline/rewind */
export async function rewindPipeline(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const config = getConfig();
    const { tenant, ...range } = await parseRewindBody(request, now(), config);
    const client = df.getClient(context);
    const running = await runningRewinds(client);
    if (running.length >= MAX_CONCURRENT_REWINDS) {
      throw new BadRequest(
        `${running.length} rewinds are running (${running.map((r) => r.instanceId).join(', ')}); at most ` +
          `${MAX_CONCURRENT_REWINDS} run at once. Wait for one to finish, or terminate it through its Durable URLs.`,
        409,
      );
    }
    const input: RewindInput = {
      tenantId: tenant.tenantId,
      // Blobs the rewind cannot fetch join the parked set of the tenant's live loop, which retries them.
      loopId: loopIdFor(config.tenants, tenant.tenantId),
      ...range,
      windowMinutes: config.pipeline.windowMinutes,
      holdHours: config.pipeline.alertHoldHours,
    };
    const instanceId = await client.startNew(OrchestratorNames.rewindRange, { input });
    return json(202, {
      message: `Rewind of ${input.from}..${input.to} started.`,
      instanceId,
      ...client.createHttpManagementPayload(instanceId),
    });
  } catch (e) {
    return problem(e);
  }
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
export async function listWindows(request: HttpRequest): Promise<HttpResponseInit> {
  try {
    const query = parseWindowsQuery(request, now(), getConfig());
    const state = await getState(query.tenant.tenantId);
    const findings = await windowFindings(state, loopIdFor(getConfig().tenants, query.tenant.tenantId));
    const windows = [];
    for (const contentType of query.contentTypes) {
      for (const entry of await state.readLedger(contentType, query.fromMs, query.toMs)) {
        const { contentIds, liveContentIds: _live, ...rest } = entry;
        windows.push({
          tenantId: query.tenant.tenantId,
          ...rest,
          blobs: contentIds.length,
          ...findings(contentType, entry.windowStart),
        });
      }
    }
    return json(200, { from: isoOf(query.fromMs), to: isoOf(query.toMs), windows });
  } catch (e) {
    return problem(e);
  }
}

/** GET /api/pipeline/status[?tenant=]  per tenant: runtime status, checkpoint, lag, windows, failures, faults. */
export async function pipelineStatus(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const config = getConfig();
    const query = readQuery(request, ['tenant']);
    const client = df.getClient(context);
    const nowMs = now();
    const rewinds = await runningRewinds(client);
    const tenants = [];
    for (const tenant of selectTenants(config, query.tenant, true)) {
      const state = await getState(tenant.tenantId);
      const loop = await loopStatus(client, state, config, tenant, nowMs);
      const { dataLoss: blobLoss, ...parked } = await parkedStatus(state, loop.instanceId, nowMs);
      tenants.push({
        ...loop,
        ...parked,
        dataLoss: [...(loop.checkpoint?.dataLoss ?? []), ...blobLoss],
        rewinds: rewindsOf(rewinds, tenant.tenantId, config.tenants[0]?.tenantId),
        faults: await faultsOf(tenant.tenantId),
      });
    }
    return json(200, { ...tenants[0], now: isoOf(nowMs), tenants });
  } catch (e) {
    return problem(e);
  }
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
    byErrorCode: stats.byErrorCode,
    tokenRefreshes: stats.tokenRefreshes,
    listingRestarts: stats.listingRestarts,
    windowsClamped: stats.windowsClamped,
    note: 'O365 request counters of this app instance since it started',
  };
}
