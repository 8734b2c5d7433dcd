/**
 * One parse function per route input: each takes the raw request, returns a typed value or throws BadRequest with a
 * message that says what to fix. Handlers (pipeline.ts) only call these.
 */
import type { HttpRequest } from '@azure/functions';
import { CONTENT_TYPES, type Config } from '../config';
import { DAY_MS, isoOf, retentionFloor, rewindRangeProblem } from '../pipeline/windows';
import { BadRequest, parseIsoTime, readBody, readQuery } from './http';

/** POST /api/pipeline/start  body: {} or {"startFrom": ISO} (used only when no checkpoint exists yet). */
export async function parseStartBody(request: HttpRequest, nowMs: number): Promise<{ startFrom?: string }> {
  const body = await readBody(request, ['startFrom'], true);
  if (body.startFrom === undefined) return {};
  const ms = parseIsoTime(body.startFrom, 'startFrom');
  if (ms >= nowMs) throw new BadRequest(`"startFrom" (${isoOf(ms)}) is in the future.`);
  if (ms < retentionFloor(nowMs)) {
    throw new BadRequest(
      `"startFrom" is older than the API's 7-day retention; the earliest start now is ${isoOf(retentionFloor(nowMs))}.`,
    );
  }
  return { startFrom: isoOf(ms) };
}

export interface RewindRequest {
  from: string;
  to: string;
  contentTypes: string[];
}

/**
 * POST /api/pipeline/rewind  body: {"from": ISO, "to": ISO, "contentTypes"?: [...]}. Only the content types this
 * deployment is configured for (a rewind of another would start a new subscription on the tenant), each once.
 */
export async function parseRewindBody(
  request: HttpRequest,
  nowMs: number,
  config: Config,
): Promise<RewindRequest> {
  const body = await readBody(request, ['from', 'to', 'contentTypes'], false);
  if (body.from === undefined || body.to === undefined) {
    throw new BadRequest('Both "from" and "to" are required (ISO 8601 UTC times; "to" is exclusive).');
  }
  const fromMs = parseIsoTime(body.from, 'from');
  const toMs = parseIsoTime(body.to, 'to');
  const reason = rewindRangeProblem({ startMs: fromMs, endMs: toMs }, nowMs);
  if (reason) throw new BadRequest(reason);
  const configured = config.o365.contentTypes as string[];
  let contentTypes = configured;
  if (body.contentTypes !== undefined) {
    const list = body.contentTypes;
    if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string')) {
      throw new BadRequest(`"contentTypes" must be a non-empty array of ${configured.join(', ')}.`);
    }
    const unknown = list.filter((c) => !configured.includes(c));
    if (unknown.length > 0) {
      const known = (CONTENT_TYPES as readonly string[]).includes(unknown[0]);
      throw new BadRequest(
        `"contentTypes" may name only the content types this deployment collects (${configured.join(', ')}); ` +
          `${JSON.stringify(unknown[0])} ${known ? 'is not configured (add it to O365_CONTENT_TYPES first)' : 'is not a content type'}.`,
      );
    }
    contentTypes = [...new Set(list as string[])];
  }
  return { from: isoOf(fromMs), to: isoOf(toMs), contentTypes };
}

export interface WindowsQuery {
  fromMs: number;
  toMs: number;
  contentTypes: string[];
}

/** GET /api/pipeline/windows?from=ISO&to=ISO[&contentType=…]  default: the last 24 hours, at most 8 days. */
export function parseWindowsQuery(request: HttpRequest, nowMs: number, config: Config): WindowsQuery {
  const query = readQuery(request, ['from', 'to', 'contentType']);
  const toMs = query.to !== undefined ? parseIsoTime(query.to, 'to') : nowMs;
  const fromMs = query.from !== undefined ? parseIsoTime(query.from, 'from') : toMs - DAY_MS;
  if (fromMs >= toMs) throw new BadRequest('"from" must be before "to".');
  if (toMs - fromMs > 8 * DAY_MS)
    throw new BadRequest('The range may span at most 8 days; narrow "from"/"to".');
  const configured = config.o365.contentTypes as string[];
  const contentTypes = query.contentType !== undefined ? [query.contentType] : configured;
  for (const t of contentTypes) {
    if (!configured.includes(t)) {
      throw new BadRequest(`"contentType" must be one of ${configured.join(', ')}, got "${t}".`);
    }
  }
  return { fromMs, toMs, contentTypes };
}
