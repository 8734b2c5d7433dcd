/**
 * Content blobs: a JSON array of audit records behind each contentUri.
 *
 * The raw text is what the pipeline archives (verbatim, so a later rule change can re-read it); parsing is separate.
 * Every failure is a typed error that {@link blobFailureKind} classifies: AF20050/AF20052 (gone, invalid id) and
 * AF20051 (expired) for the caller to count and skip; AF429 — which blob fetches receive as HTTP 403 — is
 * throttling, retried by the transport; a body over the size cap, a URI off the API's origin, or an error status
 * without a known code (e.g. `404 text/html`) concern this blob alone.
 */
import { parseStrictUtc } from './dates';
import {
  ContentExpiredError,
  ContentNotFoundError,
  ContentRejectedError,
  isTenantLevelFailure,
  MalformedContentError,
} from './errors';
import { tooLarge, type ApiTransport } from './transport';
import type { AuditRecord } from './types';

export async function fetchContentText(transport: ApiTransport, contentUri: string): Promise<string> {
  const result = await transport.send('fetchContent', 'GET', contentUri);
  if (result.ok) return result.text;
  const details = { status: result.status, code: result.code, operation: 'fetchContent' };
  const what = `fetchContent ${describeUri(contentUri)}: ${result.code ?? `HTTP ${result.status}`}: ${result.message}`;
  switch (result.reaction) {
    case 'contentExpired':
      throw new ContentExpiredError(what, details);
    case 'contentNotFound':
      throw new ContentNotFoundError(what, details);
    case 'contentTooLarge':
      throw tooLarge(`fetchContent ${describeUri(contentUri)}`, result, transport.maxBodyBytes);
    default:
      if (isTenantLevelFailure(result.code, result.message)) return transport.raise('fetchContent', result);
      throw new ContentRejectedError(what, details);
  }
}

/** A record that fails {@link isAuditRecord}, with why, for quarantine. */
export interface MalformedRecord {
  index: number;
  reason: string;
  value: unknown;
}

/**
 * Splits a blob into records with the common fields and the rest. Throws {@link MalformedContentError} only when
 * the text is not a JSON array at all.
 */
export function parseAuditContent(text: string): { records: AuditRecord[]; malformed: MalformedRecord[] } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new MalformedContentError(`content is not valid JSON: ${(err as Error).message}`, {
      status: 200,
      code: 'MalformedContent',
      operation: 'fetchContent',
      text,
    });
  }
  if (!Array.isArray(body)) {
    throw new MalformedContentError('content is not a JSON array of audit records.', {
      status: 200,
      code: 'MalformedContent',
      operation: 'fetchContent',
      text,
    });
  }
  const records: AuditRecord[] = [];
  const malformed: MalformedRecord[] = [];
  body.forEach((value: unknown, index) => {
    const reason = auditRecordProblem(value);
    if (reason === undefined) records.push(value as AuditRecord);
    else malformed.push({ index, reason, value });
  });
  return { records, malformed };
}

/** Fetches and parses a blob; any record without the common fields makes the whole blob a MalformedContentError. */
export async function fetchContent(transport: ApiTransport, contentUri: string): Promise<AuditRecord[]> {
  const text = await fetchContentText(transport, contentUri);
  const { records, malformed } = parseAuditContent(text);
  if (malformed.length > 0) {
    const first = malformed[0]!;
    throw new MalformedContentError(
      `fetchContent ${describeUri(contentUri)}: ${malformed.length} record(s) lack the common fields ` +
        `(first: #${first.index}, ${first.reason}); use fetchContentText + parseAuditContent to keep the valid ones.`,
      { status: 200, code: 'MalformedContent', operation: 'fetchContent', text },
    );
  }
  return records;
}

export function isAuditRecord(value: unknown): value is AuditRecord {
  return auditRecordProblem(value) === undefined;
}

function auditRecordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const r = value as Record<string, unknown>;
  if (typeof r.Id !== 'string' || r.Id === '') return 'Id is missing';
  // A number from the API; exports carry it as a string, sometimes the enum name ("AirInvestigation").
  if (!(typeof r.RecordType === 'number' || (typeof r.RecordType === 'string' && r.RecordType !== ''))) {
    return 'RecordType is missing';
  }
  if (typeof r.CreationTime !== 'string' || parseStrictUtc(r.CreationTime) === undefined)
    return 'CreationTime is not a time';
  if (typeof r.Operation !== 'string') return 'Operation is missing';
  return undefined;
}

/** The content id part of a blob URI, for messages (no query string). */
function describeUri(contentUri: string): string {
  try {
    const u = new URL(contentUri);
    return u.pathname.split('/').pop() ?? u.pathname;
  } catch {
    return '(invalid URI)';
  }
}
