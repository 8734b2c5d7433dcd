/**
 * HTTP API of the pipeline (DESIGN §5): thin handlers that validate input, then call the durable client or read the
 * archive. Handlers are exported as plain functions; src/index.ts registers them.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableOrchestrationStatus } from 'durable-functions';
import {
  OrchestratorNames,
  PIPELINE_INSTANCE_ID,
  STOP_EVENT,
  type Checkpoint,
} from '../../activities/contracts';
import { writeStopRequest } from '../../activities/checkpoint';
import { readLedger } from '../../activities/ledger';
import type { LoopSettings, PipelineLoopInput } from '../../orchestrators/pipelineLoop';
import type { RewindInput } from '../../orchestrators/rewindRange';
import { retentionFloor, rewindRangeProblem } from '../../orchestrators/windows';
import { documentNames } from '../archive';
import { CONTENT_TYPES, type Config } from '../config';
import { getArchive, getConfig, getO365Client, now } from '../runtime';
import { BadRequest, isNotFound, json, parseIsoTime, problem, readBody, readQuery } from './http';

const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);
const DAY_MS = 24 * 60 * 60 * 1000;

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
  instanceId: string,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId, { showInput: false });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** POST /api/pipeline/start  body: {} or {"startFrom": ISO} (used only when no checkpoint exists yet). */
export async function startPipeline(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const body = await readBody(request, ['startFrom'], true);
    let startFrom: string | undefined;
    if (body.startFrom !== undefined) {
      const ms = parseIsoTime(body.startFrom, 'startFrom');
      const nowMs = now();
      if (ms >= nowMs) throw new BadRequest(`"startFrom" (${new Date(ms).toISOString()}) is in the future.`);
      if (ms < retentionFloor(nowMs)) {
        throw new BadRequest(
          `"startFrom" is older than the API's 7-day retention; the earliest start now is ${new Date(retentionFloor(nowMs)).toISOString()}.`,
        );
      }
      startFrom = new Date(ms).toISOString();
    }
    const client = df.getClient(context);
    const existing = await statusOf(client, PIPELINE_INSTANCE_ID);
    if (existing && ACTIVE.has(existing.runtimeStatus)) {
      return json(200, {
        message: `The pipeline is already ${existing.runtimeStatus.toLowerCase()}.`,
        instanceId: PIPELINE_INSTANCE_ID,
        ...client.createHttpManagementPayload(PIPELINE_INSTANCE_ID),
      });
    }
    const input: PipelineLoopInput = {
      loopId: PIPELINE_INSTANCE_ID,
      settings: loopSettings(getConfig(), startFrom),
    };
    // A stop request left by the previous run must not stop this one after its first window.
    await writeStopRequest(await getArchive(), PIPELINE_INSTANCE_ID, null);
    await client.startNew(OrchestratorNames.pipelineLoop, { instanceId: PIPELINE_INSTANCE_ID, input });
    return json(202, {
      message: 'The pipeline was started.',
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
    const requestedAt = new Date(now()).toISOString();
    // Stored first: the event alone can be dropped between two generations of the loop (activities/checkpoint.ts).
    await writeStopRequest(await getArchive(), PIPELINE_INSTANCE_ID, requestedAt);
    await client.raiseEvent(PIPELINE_INSTANCE_ID, STOP_EVENT, { requestedAt });
    return json(202, { message: 'Stop requested: the pipeline stops after the window in progress.' });
  } catch (e) {
    return problem(e);
  }
}

/** POST /api/pipeline/rewind  body: {"from": ISO, "to": ISO, "contentTypes"?: [...]} */
export async function rewindPipeline(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    const body = await readBody(request, ['from', 'to', 'contentTypes'], false);
    if (body.from === undefined || body.to === undefined) {
      throw new BadRequest('Both "from" and "to" are required (ISO 8601 UTC times; "to" is exclusive).');
    }
    const fromMs = parseIsoTime(body.from, 'from');
    const toMs = parseIsoTime(body.to, 'to');
    const reason = rewindRangeProblem({ startMs: fromMs, endMs: toMs }, now());
    if (reason) throw new BadRequest(reason);
    const config = getConfig();
    let contentTypes = config.o365.contentTypes as string[];
    if (body.contentTypes !== undefined) {
      const list = body.contentTypes;
      if (
        !Array.isArray(list) ||
        list.length === 0 ||
        !list.every((c) => typeof c === 'string' && (CONTENT_TYPES as readonly string[]).includes(c))
      ) {
        throw new BadRequest(`"contentTypes" must be a non-empty array of ${CONTENT_TYPES.join(', ')}.`);
      }
      contentTypes = list as string[];
    }
    const input: RewindInput = {
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      contentTypes,
      windowMinutes: config.pipeline.windowMinutes,
      holdHours: config.pipeline.alertHoldHours,
    };
    const client = df.getClient(context);
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

/** GET /api/pipeline/windows?from=ISO&to=ISO[&contentType=…]  per-window ledger (default: the last 24 hours). */
export async function listWindows(request: HttpRequest): Promise<HttpResponseInit> {
  try {
    const query = readQuery(request, ['from', 'to', 'contentType']);
    const nowMs = now();
    const toMs = query.to !== undefined ? parseIsoTime(query.to, 'to') : nowMs;
    const fromMs = query.from !== undefined ? parseIsoTime(query.from, 'from') : toMs - DAY_MS;
    if (fromMs >= toMs) throw new BadRequest('"from" must be before "to".');
    if (toMs - fromMs > 8 * DAY_MS)
      throw new BadRequest('The range may span at most 8 days; narrow "from"/"to".');
    const config = getConfig();
    const types =
      query.contentType !== undefined ? [query.contentType] : (config.o365.contentTypes as string[]);
    for (const t of types) {
      if (!(config.o365.contentTypes as string[]).includes(t)) {
        throw new BadRequest(
          `"contentType" must be one of ${config.o365.contentTypes.join(', ')}, got "${t}".`,
        );
      }
    }
    const archive = await getArchive();
    const windows = [];
    for (const contentType of types) {
      for (const entry of await readLedger(archive, contentType, fromMs, toMs)) {
        const { contentIds, liveContentIds: _live, ...rest } = entry;
        windows.push({ ...rest, blobs: contentIds.length });
      }
    }
    return json(200, { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), windows });
  } catch (e) {
    return problem(e);
  }
}

const RECENT_WINDOWS = 6;

/** The ledger around the checkpoint: the last windows done and any failed run of the window in progress. */
async function recentLedger(checkpoint: Checkpoint, config: Config) {
  const archive = await getArchive();
  const windowMs = config.pipeline.windowMinutes * 60_000;
  const to = Date.parse(checkpoint.nextStart) + windowMs;
  const from = Date.parse(checkpoint.nextStart) - RECENT_WINDOWS * windowMs;
  const out = [];
  for (const contentType of config.o365.contentTypes) {
    const entries = await readLedger(archive, contentType, from, to);
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

/** GET /api/pipeline/status  runtime status, checkpoint, lag, last window, totals, failures, pending alerts, faults. */
export async function pipelineStatus(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    readQuery(request, []);
    const client = df.getClient(context);
    const instance = await statusOf(client, PIPELINE_INSTANCE_ID);
    const archive = await getArchive();
    const checkpoint = (await archive.readJson<Checkpoint>(documentNames.checkpoint(PIPELINE_INSTANCE_ID)))
      ?.value;
    const nowMs = now();
    const recentWindows = checkpoint ? await recentLedger(checkpoint, getConfig()) : [];
    const o365 = await getO365Client().then(
      (c) => c.stats(),
      () => undefined,
    );
    return json(200, {
      instanceId: PIPELINE_INSTANCE_ID,
      runtimeStatus: instance?.runtimeStatus ?? 'NotStarted',
      lastUpdatedTime: instance?.lastUpdatedTime,
      loop: instance?.customStatus ?? null,
      checkpoint: checkpoint ?? null,
      lagMinutes: checkpoint
        ? Math.max(0, Math.round((nowMs - Date.parse(checkpoint.nextStart)) / 60_000))
        : null,
      recentWindows,
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
