/**
 * Request parsing and responses shared by the HTTP functions. Every rejection is a 4xx whose message says what to
 * fix, because the callers are people with curl and scripts, not a UI that already validated the input.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

export function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'content-type': 'application/json; charset=utf-8' } };
}

export function problem(error: unknown): HttpResponseInit {
  if (error instanceof BadRequest) return json(error.status, { error: error.message });
  throw error;
}

export type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** A route: a refused request (BadRequest) is answered with its 4xx; anything else fails the invocation (500). */
export function route(handle: Handler): Handler {
  return async (request, context) => {
    try {
      return await handle(request, context);
    } catch (e) {
      return problem(e);
    }
  };
}

/** Every route takes a few small fields; anything bigger is a mistake or abuse, refused before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;

function tooLarge(): BadRequest {
  return new BadRequest(
    `The request body is larger than 64 KB; the pipeline routes take only a few small JSON fields.`,
    413,
  );
}

/**
 * The JSON object body; an empty body is `{}` when `optional`. Fields not in `allowed` are rejected so a typo
 * (`"form"` for `"from"`) is not silently ignored.
 */
export async function readBody(
  request: HttpRequest,
  allowed: readonly string[],
  optional: boolean,
): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const raw = await request.text();
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw tooLarge();
  const text = raw.trim();
  if (text === '') {
    if (optional) return {};
    throw new BadRequest(
      `The request body is empty: send a JSON object with ${allowed.map((f) => `"${f}"`).join(', ')}.`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequest(
      'The request body is not valid JSON: send a JSON object, e.g. {"from": "2026-01-01T00:00:00Z"}.',
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequest('The request body must be a JSON object.');
  }
  rejectUnknown(Object.keys(body), allowed, 'body field');
  return body as Record<string, unknown>;
}

/** Query parameters other than `allowed` (and the function key `code`) are rejected. */
export function readQuery(request: HttpRequest, allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const names: string[] = [];
  request.query.forEach((value, name) => {
    if (name === 'code') return;
    names.push(name);
    out[name] = value;
  });
  rejectUnknown(names, allowed, 'query parameter');
  return out;
}

function rejectUnknown(names: string[], allowed: readonly string[], what: string): void {
  const unknown = names.filter((n) => !allowed.includes(n));
  if (unknown.length > 0) {
    const expected = allowed.length
      ? `expected only ${allowed.map((f) => `"${f}"`).join(', ')}`
      : 'none are accepted';
    throw new BadRequest(
      `Unknown ${what}${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `"${f}"`).join(', ')}: ${expected}.`,
    );
  }
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?$/;

/** An ISO 8601 time (UTC when no offset is given, as the API's own times), as epoch milliseconds. */
export function parseIsoTime(value: unknown, field: string): number {
  if (typeof value !== 'string' || !ISO_UTC.test(value.trim())) {
    throw new BadRequest(
      `"${field}" must be an ISO 8601 UTC time such as 2026-01-31T00:00:00Z, got ${JSON.stringify(value)}.`,
    );
  }
  const s = value.trim();
  const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(s) ? s : `${s}Z`);
  if (!Number.isFinite(ms)) throw new BadRequest(`"${field}" is not a real date: ${JSON.stringify(value)}.`);
  return ms;
}

/** The durable client's 404 surfaces as an Error; treat it as "no such instance". */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && /HTTP 404|not found/i.test(error.message);
}
