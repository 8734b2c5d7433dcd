/**
 * Request parsing of the HTTP API without a host: bodies, query parameters and times are refused with a 4xx whose
 * message names what to fix, and accepted input comes out normalised.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpRequest } from '@azure/functions';
import {
  BadRequest,
  isNotFound,
  parseIsoTime,
  problem,
  readBody,
  readQuery,
} from '../../../src/functions/http';

const request = (body?: string, query = ''): HttpRequest =>
  new HttpRequest({
    method: 'POST',
    url: `http://127.0.0.1/api/pipeline/rewind${query}`,
    ...(body !== undefined ? { body: { string: body } } : {}),
  });

/** The BadRequest a call throws (fails the test when it throws nothing or something else). */
async function refusal(action: () => unknown): Promise<BadRequest> {
  try {
    await action();
  } catch (e) {
    assert.ok(e instanceof BadRequest, `expected a BadRequest, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the request to be refused');
}

describe('readBody', () => {
  it('returns the object with only the allowed fields', async () => {
    const body = await readBody(request('{"from":"a","to":"b"}'), ['from', 'to'], false);
    assert.deepEqual(body, { from: 'a', to: 'b' });
  });

  it('treats an empty body as {} only when the body is optional', async () => {
    assert.deepEqual(await readBody(request(''), ['startFrom'], true), {});
    assert.deepEqual(await readBody(request('  \n'), ['startFrom'], true), {});
    const e = await refusal(() => readBody(request(''), ['from', 'to'], false));
    assert.equal(e.status, 400);
    assert.match(e.message, /empty.*"from", "to"/);
  });

  it('refuses text that is not JSON, and JSON that is not an object', async () => {
    assert.match(
      (await refusal(() => readBody(request('{from:1}'), ['from'], false))).message,
      /not valid JSON/,
    );
    for (const text of ['[]', 'null', '"x"', '42']) {
      const e = await refusal(() => readBody(request(text), ['from'], true));
      assert.match(e.message, /must be a JSON object/, text);
    }
  });

  it('names every unknown field and the expected ones', async () => {
    const e = await refusal(() => readBody(request('{"form":1,"too":2,"to":3}'), ['from', 'to'], false));
    assert.equal(e.status, 400);
    assert.match(e.message, /Unknown body fields "form", "too": expected only "from", "to"\./);
    const none = await refusal(() => readBody(request('{"x":1}'), [], true));
    assert.match(none.message, /none are accepted/);
  });

  it('refuses a body larger than 64 KB with 413 before parsing it', async () => {
    const big = JSON.stringify({ from: 'x'.repeat(70 * 1024) });
    const e = await refusal(() => readBody(request(big), ['from'], false));
    assert.equal(e.status, 413);
    assert.match(e.message, /64 KB/);
    const fits = JSON.stringify({ from: 'x'.repeat(60 * 1024) });
    assert.equal(((await readBody(request(fits), ['from'], false)).from as string).length, 60 * 1024);
  });
});

describe('readQuery', () => {
  it('returns the allowed parameters and ignores the function key', () => {
    const q = readQuery(request(undefined, '?from=a&to=b&code=secret'), ['from', 'to', 'contentType']);
    assert.deepEqual(q, { from: 'a', to: 'b' });
  });

  it('refuses unknown parameters by name', async () => {
    const e = await refusal(() => readQuery(request(undefined, '?from=a&form=b'), ['from', 'to']));
    assert.match(e.message, /Unknown query parameter "form": expected only "from", "to"\./);
  });
});

describe('parseIsoTime', () => {
  it('reads UTC times with and without an offset or seconds', () => {
    const t = Date.UTC(2026, 0, 31, 10, 0, 0);
    assert.equal(parseIsoTime('2026-01-31T10:00:00Z', 'from'), t);
    assert.equal(parseIsoTime('2026-01-31T10:00:00.000Z', 'from'), t);
    assert.equal(parseIsoTime('2026-01-31T10:00', 'from'), t, 'no offset means UTC, as the API');
    assert.equal(parseIsoTime('2026-01-31T12:00:00+02:00', 'from'), t);
    assert.equal(parseIsoTime(' 2026-01-31T10:00:00Z ', 'from'), t);
  });

  it('refuses other shapes and impossible dates, naming the field', async () => {
    for (const value of ['2026-01-31', 'yesterday', 1769853600000, null, '2026-13-01T00:00:00Z', '']) {
      const e = await refusal(() => parseIsoTime(value, 'to'));
      assert.equal(e.status, 400);
      assert.match(e.message, /^"to" /, String(value));
    }
  });
});

describe('problem and isNotFound', () => {
  it('turns a BadRequest into its status and a JSON error, and rethrows anything else', () => {
    const reply = problem(new BadRequest('fix this', 409));
    assert.equal(reply.status, 409);
    assert.deepEqual(reply.jsonBody, { error: 'fix this' });
    assert.throws(() => problem(new TypeError('bug')), TypeError);
  });

  it('recognises the durable client 404', () => {
    assert.equal(isNotFound(new Error('HTTP 404 Not Found')), true);
    assert.equal(isNotFound(new Error('HTTP 500')), false);
    assert.equal(isNotFound('HTTP 404'), false);
  });
});
