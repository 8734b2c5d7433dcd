/**
 * The Management Activity API routes (subscriptions, listing, content), as pure functions of the request, the
 * subscription state, the content source and the clock. Faults, latency, auth and budget are applied around them
 * by the server.
 */
import { CONTENT_TYPES, type ContentRef, type ContentSource, RETENTION_MS } from './content-source';
import type { FaultCounter } from './counters';
import { hash32 } from './random';
import { checkWindow } from './windows';

/** The listing's contentCreated of a badContentCreated blob: month 13, day 45, hour 99. */
export const BAD_CONTENT_CREATED = '2024-13-45T99:99:99';

/** What IIS answers for a path it has nothing at: HTML, no API error code. */
export const NOT_FOUND_HTML =
  '<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head><body>' +
  '<h2>404 - File or directory not found.</h2><h3>The resource you are looking for might have been removed, had its ' +
  'name changed, or is temporarily unavailable.</h3></body></html>';

export function notFoundHtml(): SimResponse {
  return { status: 404, rawBody: NOT_FOUND_HTML, headers: { 'Content-Type': 'text/html' } };
}

/** A body too large to hold: `head`, then `padBytes` of whitespace, then `tail`, written in chunks. */
export interface StreamedBody {
  head: string;
  padBytes: number;
  tail: string;
  contentLength: boolean;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  /** Sent as is (already serialised); used for malformed blobs. */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Error code, for counters. */
  code?: string;
  records?: number;
  /** Streamed instead of `body`/`rawBody`. */
  stream?: StreamedBody;
  /** Fault counters this answer adds to. */
  faults?: FaultCounter[];
}

export function apiError(status: number, code: string, message: string): SimResponse {
  return { status, code, body: { error: { code, message } } };
}

export type SubscriptionState = Map<string, { status: 'enabled' | 'disabled'; webhook: unknown }>;

export interface ApiContext {
  source: ContentSource;
  subscriptions: SubscriptionState;
  /** `https://<Host the request came in on>`: contentUris and NextPageUris are issued on it, as the service does. */
  apiUrl: string;
  /** Host of foreign-host contentUris. */
  foreignHost: string;
  /** Oversize blobs: the size to exceed, and whether to send Content-Length. */
  oversize: { bytes: number; contentLength: boolean };
  tenantId: string;
  seed: number;
  pageSize: number;
  now: number;
  /** Query parameters with lower-cased names (the NextPageUri may carry `starttime`). */
  query: Map<string, string>;
}

function contentTypeParam(
  ctx: ApiContext,
): { ok: true; value: string } | { ok: false; response: SimResponse } {
  const value = ctx.query.get('contenttype');
  if (!value) return { ok: false, response: apiError(400, 'AF20001', 'Missing parameter: contentType') };
  const known = CONTENT_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
  if (!known)
    return { ok: false, response: apiError(400, 'AF20020', `The content type ${value} is invalid.`) };
  return { ok: true, value: known };
}

export function startSubscription(ctx: ApiContext, body: string): SimResponse {
  const ct = contentTypeParam(ctx);
  if (!ct.ok) return ct.response;
  if (ctx.subscriptions.get(ct.value)?.status === 'enabled') {
    return apiError(400, 'AF20024', 'The subscription is already enabled. No property change.');
  }
  let webhook: unknown = null;
  if (body.trim()) {
    try {
      const parsed = JSON.parse(body) as {
        webhook?: { address?: string; authId?: string; expiration?: string };
      };
      if (parsed.webhook)
        webhook = {
          status: 'enabled',
          address: parsed.webhook.address ?? null,
          authId: parsed.webhook.authId ?? null,
          expiration: parsed.webhook.expiration ?? null,
        };
    } catch {
      return apiError(400, 'AF20002', 'Invalid parameter type: webhook. Expected type: JSON object');
    }
  }
  ctx.subscriptions.set(ct.value, { status: 'enabled', webhook });
  return { status: 200, body: { contentType: ct.value, status: 'enabled', webhook } };
}

export function stopSubscription(ctx: ApiContext): SimResponse {
  const ct = contentTypeParam(ctx);
  if (!ct.ok) return ct.response;
  const current = ctx.subscriptions.get(ct.value);
  if (!current || current.status !== 'enabled')
    return apiError(400, 'AF20022', 'No subscription found for the specified content type.');
  ctx.subscriptions.set(ct.value, { status: 'disabled', webhook: null });
  return { status: 200 };
}

export function listSubscriptions(ctx: ApiContext): SimResponse {
  const body = [...ctx.subscriptions.entries()].map(([contentType, s]) => ({
    contentType,
    status: s.status,
    webhook: s.webhook,
  }));
  return { status: 200, body };
}

/** Keyset cursor: the last (listedCreated, contentId) of the previous page, with a check so forged tokens fail. */
function encodeCursor(seed: number, ref: ContentRef): string {
  const id = Buffer.from(ref.contentId).toString('hex');
  const check = hash32(seed, 'page', ref.listedCreated, ref.contentId).toString(36);
  return `${ref.listedCreated.toString(36)}R${id}R${check}`;
}

function decodeCursor(seed: number, token: string): { listedCreated: number; contentId: string } | undefined {
  const [created, id, check] = token.split('R');
  if (!created || !id || !check) return undefined;
  const listedCreated = parseInt(created, 36);
  const contentId = Buffer.from(id, 'hex').toString('utf8');
  if (
    !Number.isFinite(listedCreated) ||
    hash32(seed, 'page', listedCreated, contentId).toString(36) !== check
  )
    return undefined;
  return { listedCreated, contentId };
}

function contentUri(ctx: ApiContext, contentId: string): string {
  return `${ctx.apiUrl}/api/v1.0/${ctx.tenantId}/activity/feed/audit/${contentId}`;
}

export function listContent(ctx: ApiContext): SimResponse {
  const ct = contentTypeParam(ctx);
  if (!ct.ok) return ct.response;
  const sub = ctx.subscriptions.get(ct.value);
  if (!sub) return apiError(400, 'AF20022', 'No subscription found for the specified content type.');
  if (sub.status !== 'enabled')
    return apiError(400, 'AF20023', 'The subscription was disabled by the client.');
  const startRaw = ctx.query.get('starttime');
  const endRaw = ctx.query.get('endtime');
  const window = checkWindow(startRaw, endRaw, ctx.now);
  if (!window.ok) return apiError(400, window.code, window.message);
  const nextPage = ctx.query.get('nextpage');
  const cursor = nextPage === undefined ? undefined : decodeCursor(ctx.seed, nextPage);
  if (nextPage !== undefined && !cursor)
    return apiError(400, 'AF20031', 'Invalid nextPage Input: ' + nextPage + '.');

  const available = ctx.source
    .listingEntries(ct.value, window.startMs, window.endMs)
    .filter((r) => r.contentCreated <= ctx.now && r.listedCreated <= ctx.now && r.listableAt <= ctx.now)
    .sort(
      (a, b) =>
        a.listedCreated - b.listedCreated ||
        (a.contentId < b.contentId ? -1 : a.contentId > b.contentId ? 1 : 0),
    );
  const after = cursor
    ? available.filter(
        (r) =>
          r.listedCreated > cursor.listedCreated ||
          (r.listedCreated === cursor.listedCreated && r.contentId > cursor.contentId),
      )
    : available;
  const page = after.slice(0, ctx.pageSize);
  const headers: Record<string, string> = {};
  const last = page[page.length - 1];
  if (after.length > page.length && last) {
    const params = new URLSearchParams({
      contentType: ct.value,
      startTime: startRaw ?? new Date(window.startMs).toISOString(),
      endTime: endRaw ?? new Date(window.endMs).toISOString(),
      nextPage: encodeCursor(ctx.seed, last),
    });
    headers.NextPageUri = `${ctx.apiUrl}/api/v1.0/${ctx.tenantId}/activity/feed/subscriptions/content?${params.toString()}`;
  }
  const faults: FaultCounter[] = [];
  const body = page.map((r) => {
    if (r.poison === 'foreignHost') faults.push('foreignHostListed');
    if (r.poison === 'badContentCreated') faults.push('badContentCreatedListed');
    return {
      contentType: r.contentType,
      contentId: r.contentId,
      contentUri:
        r.poison === 'foreignHost'
          ? contentUri({ ...ctx, apiUrl: `https://${ctx.foreignHost}` }, r.contentId)
          : contentUri(ctx, r.contentId),
      contentCreated:
        r.poison === 'badContentCreated' ? BAD_CONTENT_CREATED : new Date(r.listedCreated).toISOString(),
      contentExpiration: new Date(r.contentCreated + RETENTION_MS).toISOString(),
    };
  });
  return { status: 200, body, headers, faults };
}

/** Content ids the simulator could ever have issued (generated or replayed); anything else is AF20052. */
const CONTENT_ID = /^[A-Za-z0-9$._-]{8,300}$/;

export function fetchContent(ctx: ApiContext, rawContentId: string): SimResponse {
  let contentId: string;
  try {
    contentId = decodeURIComponent(rawContentId);
  } catch {
    return apiError(400, 'AF20052', 'Content ID in the URL is invalid.');
  }
  if (!CONTENT_ID.test(contentId)) return apiError(400, 'AF20052', 'Content ID in the URL is invalid.');
  const blob = ctx.source.blob(contentId);
  if (!blob || blob.ref.contentCreated > ctx.now)
    return apiError(404, 'AF20050', 'The specified content does not exist.');
  if (ctx.now >= blob.ref.contentCreated + RETENTION_MS) {
    return apiError(
      400,
      'AF20051',
      `Content requested with the key ${contentId} has already expired. Content older than 7 days cannot be retrieved.`,
    );
  }
  const poison = blob.ref.poison;
  if (poison === 'notFound' || poison === 'foreignHost')
    return { ...notFoundHtml(), faults: ['notFoundServed'] };
  if (poison === 'recovering') {
    if (ctx.now < (blob.ref.recoversAt ?? Number.POSITIVE_INFINITY))
      return { ...notFoundHtml(), faults: ['recoveringFailed'] };
  }
  const servedFaults: FaultCounter[] = poison === 'recovering' ? ['recoveringServed'] : [];
  const json = JSON.stringify(blob.records);
  if (poison === 'oversize') {
    // Valid JSON (whitespace may sit between elements), just larger than any sane cap.
    const head = json.slice(0, -1);
    const padBytes = Math.max(0, ctx.oversize.bytes + 1 - Buffer.byteLength(json));
    return {
      status: 200,
      stream: { head, padBytes, tail: ']', contentLength: ctx.oversize.contentLength },
      records: blob.records.length,
      faults: ['oversizeServed'],
    };
  }
  if (blob.malformed)
    return {
      status: 200,
      rawBody: json.slice(0, Math.max(1, Math.floor(json.length * 0.6))),
      records: 0,
      code: 'malformed',
    };
  return { status: 200, rawBody: json, records: blob.records.length, faults: servedFaults };
}
