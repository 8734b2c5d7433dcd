/**
 * HTTP API of the pipeline (docs/operations.md): each handler parses its input (requests.ts), calls PipelineState or
 * the durable client, and replies. Handlers are exported as plain functions; src/index.ts registers them.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableOrchestrationStatus } from 'durable-functions';
import type { Config } from '../config';
import {
  OrchestratorNames,
  PIPELINE_INSTANCE_ID,
  STOP_EVENT,
  type Checkpoint,
  type LoopSettings,
  type PipelineLoopInput,
  type RewindInput,
} from '../pipeline/model';
import type { PipelineState } from '../pipeline/state';
import { MINUTE_MS, isoOf } from '../pipeline/windows';
import { getConfig, getO365Client, getState, now } from '../runtime';
import { BadRequest, isNotFound, json, problem, readBody, readQuery } from './http';
import { parkedStatus, windowFindings } from './parked';
import { parseRewindBody, parseStartBody, parseWindowsQuery } from './requests';

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);
/** Rewinds re-fetch every blob of their range: a few at once is plenty, more only competes for the request budget. */
export const MAX_CONCURRENT_REWINDS = 3;
const RECENT_WINDOWS = 6;

export function loopSettings(config: Config, startFrom?: string): LoopSettings {
  const p = config.pipeline;
  return {
    contentTypes: config.o365.contentTypes,
    windowMinutes: p.windowMinutes,
    settleMinutes: p.settleMinutes,
    relistOverlapMinutes: p.relistOverlapMinutes,
    holdHours: p.alertHoldHours,
    ...((startFrom ?? p.startFrom) ? { startFrom: startFrom ?? p.startFrom } : {}),
  };
}

async function statusOf(
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

/** POST /api/pipeline/start */
export async function startPipeline(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const { startFrom } = await parseStartBody(request, now());
    const client = df.getClient(context);
    const existing = await statusOf(client, PIPELINE_INSTANCE_ID);
    const running = existing !== undefined && ACTIVE.has(existing.runtimeStatus);
    if (!running) {
      // A stop request left by the previous run must not stop this one after its first window.
      await (await getState()).requestStop(PIPELINE_INSTANCE_ID, null);
      const input: PipelineLoopInput = {
        loopId: PIPELINE_INSTANCE_ID,
        settings: loopSettings(getConfig(), startFrom),
      };
      await client.startNew(OrchestratorNames.pipelineLoop, { instanceId: PIPELINE_INSTANCE_ID, input });
    }
    return json(running ? 200 : 202, {
      message: running
        ? `The pipeline is already ${existing.runtimeStatus.toLowerCase()}.`
        : 'The pipeline was started.',
      instanceId: PIPELINE_INSTANCE_ID,
      ...client.createHttpManagementPayload(PIPELINE_INSTANCE_ID),
    });
  } catch (e) {
    return problem(e);
  }
}

/** POST /api/pipeline/stop  (no body): the loop stops after the window in progress. */
export async function stopPipeline(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    await readBody(request, [], true);
    const client = df.getClient(context);
    const existing = await statusOf(client, PIPELINE_INSTANCE_ID);
    if (!existing || !ACTIVE.has(existing.runtimeStatus)) {
      throw new BadRequest(
        `The pipeline is not running (${existing?.runtimeStatus ?? 'never started'}); start it with POST /api/pipeline/start.`,
        409,
      );
    }
    const requestedAt = isoOf(now());
    // Stored first: the event alone can be dropped between two generations of the loop.
    await (await getState()).requestStop(PIPELINE_INSTANCE_ID, requestedAt);
    await client.raiseEvent(PIPELINE_INSTANCE_ID, STOP_EVENT, { requestedAt });
    return json(202, { message: 'Stop requested: the pipeline stops after the window in progress.' });
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
    const range = await parseRewindBody(request, now(), config);
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

/** GET /api/pipeline/windows  per-window ledger. */
export async function listWindows(request: HttpRequest): Promise<HttpResponseInit> {
  try {
    const query = parseWindowsQuery(request, now(), getConfig());
    const state = await getState();
    const findings = await windowFindings(state, PIPELINE_INSTANCE_ID);
    const windows = [];
    for (const contentType of query.contentTypes) {
      for (const entry of await state.readLedger(contentType, query.fromMs, query.toMs)) {
        const { contentIds, liveContentIds: _live, ...rest } = entry;
        windows.push({ ...rest, blobs: contentIds.length, ...findings(contentType, entry.windowStart) });
      }
    }
    return json(200, { from: isoOf(query.fromMs), to: isoOf(query.toMs), windows });
  } catch (e) {
    return problem(e);
  }
}

/** GET /api/pipeline/status  runtime status, checkpoint, lag, last window, totals, failures, pending alerts, faults. */
export async function pipelineStatus(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    readQuery(request, []);
    const client = df.getClient(context);
    const instance = await statusOf(client, PIPELINE_INSTANCE_ID);
    const state = await getState();
    const checkpoint = await state.loadCheckpoint(PIPELINE_INSTANCE_ID);
    const o365 = await getO365Client().then(
      (c) => c.stats(),
      () => undefined,
    );
    const { dataLoss: blobLoss, ...parked } = await parkedStatus(state, PIPELINE_INSTANCE_ID, now());
    return json(200, {
      instanceId: PIPELINE_INSTANCE_ID,
      runtimeStatus: instance?.runtimeStatus ?? 'NotStarted',
      lastUpdatedTime: instance?.lastUpdatedTime,
      loop: instance?.customStatus ?? null,
      checkpoint,
      lagMinutes: checkpoint
        ? Math.max(0, Math.round((now() - Date.parse(checkpoint.nextStart)) / MINUTE_MS))
        : null,
      recentWindows: checkpoint ? await recentLedger(state, checkpoint, getConfig()) : [],
      ...parked,
      dataLoss: [...(checkpoint?.dataLoss ?? []), ...blobLoss],
      faults: o365
        ? {
            requests: o365.requests,
            retries: o365.retries,
            throttled: o365.throttled,
            byErrorCode: o365.byErrorCode,
            tokenRefreshes: o365.tokenRefreshes,
            listingRestarts: o365.listingRestarts,
            windowsClamped: o365.windowsClamped,
            note: 'O365 request counters of this app instance since it started',
          }
        : null,
    });
  } catch (e) {
    return problem(e);
  }
}

/** The ledger around the checkpoint: the last windows done and any failed run of the window in progress. */
async function recentLedger(state: PipelineState, checkpoint: Checkpoint, config: Config) {
  const windowMs = config.pipeline.windowMinutes * MINUTE_MS;
  const to = Date.parse(checkpoint.nextStart) + windowMs;
  const from = Date.parse(checkpoint.nextStart) - RECENT_WINDOWS * windowMs;
  const out = [];
  for (const contentType of config.o365.contentTypes) {
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
        lastRun: last ? { kind: last.kind, status: last.status, at: last.at, error: last.error } : undefined,
      });
    }
  }
  return out;
}
