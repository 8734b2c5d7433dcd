/**
 * One parse function per route input: each takes the raw request, returns a typed value or throws BadRequest with a
 * message that says what to fix. Handlers (pipeline.ts) only call these.
 */
import type { HttpRequest } from '@azure/functions';
import { CONTENT_TYPES, type Config, type TenantConfig } from '../config';
import { DAY_MS, isoOf, retentionFloor, rewindRangeProblem } from '../pipeline/windows';
import { BadRequest, parseIsoTime, readBody, readQuery } from './http';

/**
 * The tenants a request addresses: `?tenant=` or a `tenant` body field (id or display name). Without one, every
 * enabled tenant when `all` is allowed (start, stop, status), else the only tenant — and a 400 naming the choices
 * when there are several.
 */
export function selectTenants(config: Config, requested: unknown, all: boolean): TenantConfig[] {
  const enabled = config.tenants.filter((t) => t.enabled);
  if (requested === undefined) {
    if (all || enabled.length === 1) return enabled;
    throw new BadRequest(
      `Several tenants are configured: name one with "tenant" (${enabled.map((t) => t.tenantId).join(', ')}).`,
    );
  }
  const wanted = typeof requested === 'string' ? requested.trim().toLowerCase() : '';
  const found = config.tenants.find(
    (t) => t.tenantId.toLowerCase() === wanted || t.name.toLowerCase() === wanted,
  );
  if (!found) {
    throw new BadRequest(
      `"tenant" must be a configured tenant id or name (${config.tenants.map((t) => t.tenantId).join(', ')}), got ${JSON.stringify(requested)}.`,
    );
  }
  if (!found.enabled) throw new BadRequest(`Tenant ${found.tenantId} is disabled in O365_TENANTS.`);
  return [found];
}

function tenantParam(request: HttpRequest, body: Record<string, unknown>): unknown {
  return body.tenant ?? request.query.get('tenant') ?? undefined;
}

/** POST /api/pipeline/start[?tenant=]  body: {} or {"startFrom": ISO, "tenant"?} (startFrom only applies without a checkpoint). */
export async function parseStartBody(
  request: HttpRequest,
  nowMs: number,
  config: Config,
): Promise<{ startFrom?: string; tenants: TenantConfig[] }> {
  const body = await readBody(request, ['startFrom', 'tenant'], true);
  const tenants = selectTenants(config, tenantParam(request, body), true);
  if (body.startFrom === undefined) return { tenants };
  const ms = parseIsoTime(body.startFrom, 'startFrom');
  if (ms >= nowMs) throw new BadRequest(`"startFrom" (${isoOf(ms)}) is in the future.`);
  if (ms < retentionFloor(nowMs)) {
    throw new BadRequest(
      `"startFrom" is older than the API's 7-day retention; the earliest start now is ${isoOf(retentionFloor(nowMs))}.`,
    );
  }
  return { startFrom: isoOf(ms), tenants };
}

/** POST /api/pipeline/stop[?tenant=]  body: {} or {"tenant"}. */
export async function parseStopBody(request: HttpRequest, config: Config): Promise<TenantConfig[]> {
  const body = await readBody(request, ['tenant'], true);
  return selectTenants(config, tenantParam(request, body), true);
}

export interface RewindRequest {
  tenant: TenantConfig;
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
  const body = await readBody(request, ['from', 'to', 'contentTypes', 'tenant'], false);
  const [tenant] = selectTenants(config, tenantParam(request, body), false);
  if (body.from === undefined || body.to === undefined) {
    throw new BadRequest('Both "from" and "to" are required (ISO 8601 UTC times; "to" is exclusive).');
  }
  const fromMs = parseIsoTime(body.from, 'from');
  const toMs = parseIsoTime(body.to, 'to');
  const reason = rewindRangeProblem({ startMs: fromMs, endMs: toMs }, nowMs);
  if (reason) throw new BadRequest(reason);
  const configured = tenant.contentTypes as string[];
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
  return { tenant, from: isoOf(fromMs), to: isoOf(toMs), contentTypes };
}

export interface WindowsQuery {
  tenant: TenantConfig;
  fromMs: number;
  toMs: number;
  contentTypes: string[];
}

/** GET /api/pipeline/windows?from=ISO&to=ISO[&contentType=…]  default: the last 24 hours, at most 8 days. */
export function parseWindowsQuery(request: HttpRequest, nowMs: number, config: Config): WindowsQuery {
  const query = readQuery(request, ['from', 'to', 'contentType', 'tenant']);
  const [tenant] = selectTenants(config, query.tenant, false);
  const toMs = query.to !== undefined ? parseIsoTime(query.to, 'to') : nowMs;
  const fromMs = query.from !== undefined ? parseIsoTime(query.from, 'from') : toMs - DAY_MS;
  if (fromMs >= toMs) throw new BadRequest('"from" must be before "to".');
  if (toMs - fromMs > 8 * DAY_MS)
    throw new BadRequest('The range may span at most 8 days; narrow "from"/"to".');
  const configured = tenant.contentTypes as string[];
  const contentTypes = query.contentType !== undefined ? [query.contentType] : configured;
  for (const t of contentTypes) {
    if (!configured.includes(t)) {
      throw new BadRequest(`"contentType" must be one of ${configured.join(', ')}, got "${t}".`);
    }
  }
  return { tenant, fromMs, toMs, contentTypes };
}
