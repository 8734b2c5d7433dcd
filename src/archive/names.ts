/**
 * The archive's naming scheme, in one place so activities, the status route and operators agree on where things are.
 *
 *   raw/<contentType>/<yyyy>/<mm>/<dd>/<contentId>.json.gz         every content blob as fetched (gzip)
 *   quarantine/<contentType>/<yyyy>/<mm>/<dd>/<contentId>.json.gz  malformed content, reason in metadata
 *   state/checkpoints/<loopId>.json                                 a loop's checkpoint
 *   state/ledger/<contentType>/<yyyy-mm-dd>/<windowStart>.json      one window's record (first tenant)
 *   state/tenants/<tenantId>/ledger/<contentType>/...               the same for every other tenant
 *   state/correlation/<loopId>.json                                 pending alerts and known AIR verdicts
 *   selections/<windowKey>/<contentId>.json                         a large selection passed by pointer
 *
 * Dates come from the content's contentCreated (UTC), which is what the API lists by, so a day's content sits under
 * one prefix. Name segments keep letters, digits and `. _ - $ = :` and percent-encode the rest, which keeps names
 * readable, injective and free of `/` or `..` surprises.
 */

const SAFE = /^[A-Za-z0-9._\-$=:]$/;

/** One path segment: unsafe characters percent-encoded; dots-only segments encoded so URLs cannot collapse them. */
export function nameSegment(value: string): string {
  if (value.length === 0) throw new RangeError('archive name segment must not be empty');
  if (/^\.+$/.test(value)) return value.replace(/\./g, '%2E');
  let out = '';
  for (const ch of value) {
    out += SAFE.test(ch)
      ? ch
      : encodeURIComponent(ch).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  }
  return out;
}

function utcDate(iso: string, what: string): Date {
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(iso);
  const d = new Date(hasZone ? iso : `${iso}Z`);
  if (Number.isNaN(d.getTime())) throw new RangeError(`${what} "${iso}" is not an ISO 8601 date-time`);
  return d;
}

function datePath(iso: string, what: string): string {
  const d = utcDate(iso, what).toISOString();
  return `${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}`;
}

export interface ContentRef {
  contentType: string;
  contentId: string;
  contentCreated: string;
}

export function rawContentName(ref: ContentRef): string {
  return `raw/${nameSegment(ref.contentType)}/${datePath(ref.contentCreated, 'contentCreated')}/${nameSegment(ref.contentId)}.json.gz`;
}

export function quarantineName(ref: ContentRef): string {
  return `quarantine/${nameSegment(ref.contentType)}/${datePath(ref.contentCreated, 'contentCreated')}/${nameSegment(ref.contentId)}.json.gz`;
}

export const documentNames = {
  checkpoint(loopId: string): string {
    return `state/checkpoints/${nameSegment(loopId)}.json`;
  },
  /** Windows are named by their start (normalised to ISO with milliseconds and Z) under their UTC day. */
  ledger(contentType: string, windowStartIso: string, tenantScope = ''): string {
    const start = utcDate(windowStartIso, 'windowStart').toISOString();
    return `${documentNames.ledgerPrefix(contentType, start.slice(0, 10), tenantScope)}${nameSegment(start)}.json`;
  },
  /**
   * Prefix of every ledger document of a content type, or of one UTC day (`yyyy-mm-dd`) of it. The first tenant's
   * ledger keeps the single-tenant layout (so a deployment upgrades in place); other tenants' live under their id.
   */
  ledgerPrefix(contentType: string, day?: string, tenantScope = ''): string {
    const root = tenantScope ? `state/tenants/${nameSegment(tenantScope)}/ledger/` : 'state/ledger/';
    return `${root}${nameSegment(contentType)}/${day ? `${nameSegment(day)}/` : ''}`;
  },
  correlation(loopId: string): string {
    return `state/correlation/${nameSegment(loopId)}.json`;
  },
  selection(windowKey: string, contentId: string): string {
    return `selections/${nameSegment(windowKey)}/${nameSegment(contentId)}.json`;
  },
};
