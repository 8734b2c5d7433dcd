/**
 * Parked blobs and verified ingestion over HTTP: the status fields (parked set, blobs given up, failed and overdue
 * queued batches) and `POST /api/pipeline/parked/retry`.
 *
 * The retry route does not fetch anything itself: it marks the parked blobs as asked for, and the loop's next window
 * retries them before any other parked blob (still at most 50 per window and content type). It therefore never
 * races the loop on the same blob, and its result shows up in the next window's counts (`recoveredBlobs`).
 */
import type { HttpRequest } from '@azure/functions';
import type { Config, TenantConfig } from '../config';
import type { DataLossRange } from '../pipeline/model';
import { summarizeParked, type PipelineState } from '../pipeline/state';
import { loopIdFor } from '../pipeline/tenants';
import { isoOf } from '../pipeline/windows';
import { getConfig, getState, now } from '../runtime';
import { BadRequest, json, readBody, route } from './http';
import { selectTenants } from './requests';
import { failureOf, ingestionView } from './verify-ingestions';

export interface ParkedRetryRequest {
  tenant: TenantConfig;
  contentType?: string;
  contentIds?: string[];
}

const MAX_RETRY_IDS = 500;

/** POST /api/pipeline/parked/retry  body: {} or {"contentType"?: string, "contentIds"?: [string, ...]}. */
export async function parseParkedRetryBody(
  request: HttpRequest,
  config: Config,
): Promise<ParkedRetryRequest> {
  const body = await readBody(request, ['contentType', 'contentIds', 'tenant'], true);
  const [tenant] = selectTenants(config, body.tenant ?? request.query.get('tenant') ?? undefined, false);
  const out: ParkedRetryRequest = { tenant };
  if (body.contentType !== undefined) {
    const configured = tenant.contentTypes as string[];
    if (typeof body.contentType !== 'string' || !configured.includes(body.contentType)) {
      throw new BadRequest(
        `"contentType" must be one of the configured content types (${configured.join(', ')}), got ${JSON.stringify(body.contentType)}.`,
      );
    }
    out.contentType = body.contentType;
  }
  if (body.contentIds !== undefined) {
    const ids = body.contentIds;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > MAX_RETRY_IDS ||
      !ids.every((i) => typeof i === 'string' && i.length > 0)
    ) {
      throw new BadRequest(
        `"contentIds" must be a non-empty array of at most ${MAX_RETRY_IDS} contentIds (strings) from the status's parked.blobs.`,
      );
    }
    out.contentIds = [...new Set(ids as string[])];
  }
  return out;
}

/** POST /api/pipeline/parked/retry */
export const retryParked = route(async (request) => {
  const config = getConfig();
  const { tenant, ...filter } = await parseParkedRetryBody(request, config);
  const state = await getState(tenant.tenantId);
  const marked = await state.requestParkedRetry(
    loopIdFor(config.tenants, tenant.tenantId),
    filter,
    isoOf(now()),
  );
  const missing = filter.contentIds?.filter((id) => !marked.includes(id)) ?? [];
  return json(202, {
    message:
      marked.length > 0
        ? `${marked.length} parked blob(s) will be retried first by the next window of their content type.`
        : 'No parked blob matched; nothing to retry.',
    marked,
    ...(missing.length ? { notParked: missing } : {}),
  });
});

/** Data-loss entries of parked blobs given up at their expiration (newest last). */
export function lostBlobEntries(sets: Awaited<ReturnType<PipelineState['parkedSets']>>): DataLossRange[] {
  return sets
    .flatMap((s) => s.lost)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
    .map((b) => ({
      from: b.contentCreated,
      to: b.contentExpiration,
      contentId: b.contentId,
      reason: `parked blob given up at its expiration after ${b.attempts} attempt(s): ${b.lastError}`,
    }));
}

/**
 * The status fields of this part: `parked`, `dataLoss` (blobs given up and batches the cluster rejected), and
 * `ingestions` (pending count, overdue batches, failures with their rows document, Ids and error).
 * `ingestionNowMs` is wall time: the cluster reports in wall time.
 */
export async function parkedStatus(
  state: PipelineState,
  loopId: string,
  nowMs: number,
  ingestionNowMs = Date.now(),
) {
  const sets = await state.parkedSets(loopId);
  const ingestions = await ingestionView(state, ingestionNowMs);
  const rejected = ingestions.failures.map((f) => ({
    reason: `queued batch ${f.sourceId} (${f.ids.length} row(s), ${f.rowsDocument}) was rejected: ${f.error}`,
    rowsDocument: f.rowsDocument,
    ids: f.ids,
  }));
  return {
    parked: summarizeParked(sets, nowMs),
    dataLoss: [...lostBlobEntries(sets), ...rejected],
    ingestionFailures: ingestions.failures,
    ingestions: {
      pending: ingestions.pending.count,
      overdue: ingestions.pending.overdue,
      ...(ingestions.handedToQueryable ? { handedToQueryable: ingestions.handedToQueryable } : {}),
    },
  };
}

/** For /windows: the blobs given up and the batches rejected in a window, matched by content type and start. */
export async function windowFindings(state: PipelineState, loopId: string) {
  const sets = await state.parkedSets(loopId);
  const batches = (await state.ingestionBatches()).filter((b) => b.status === 'failed');
  return (contentType: string, windowStart: string) => {
    const suffix = `-${contentType}-${isoOf(Date.parse(windowStart))}`;
    const ingestionFailures = batches.filter((b) => b.windowKey.endsWith(suffix)).map(failureOf);
    const parked = sets
      .filter((s) => s.contentType === contentType)
      .flatMap((s) => s.blobs)
      .filter((b) => b.windowKey.endsWith(suffix))
      .map((b) => ({ contentId: b.contentId, attempts: b.attempts, lastError: b.lastError }));
    return {
      ...(ingestionFailures.length ? { ingestionFailures } : {}),
      ...(parked.length ? { parked } : {}),
    };
  };
}
