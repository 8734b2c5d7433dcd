/**
 * Hostile HTTP input to the app's routes on the local host: oversized bodies, deeply nested JSON, wrong content
 * types, path and query tricks. Every answer must be a 4xx (or a normal answer for a harmless variant), never a 5xx,
 * no trick may reach a route without the function key, and the host must keep serving afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { currentHour, HOUR, startResilienceStack, type ResilienceStack } from '../harness/resilience-stack';
import { rawRequest, type RawReply } from '../harness/raw-http';

describe('hostile HTTP input', { timeout: 60_000 }, () => {
  let stack: ResilienceStack;
  let t0: number;
  const keyed = (headers: Record<string, string> = {}) => ({
    'x-functions-key': stack.functionKey,
    ...headers,
  });
  const send = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    rawRequest(stack.baseUrl, {
      method,
      path,
      body,
      headers: keyed({ 'content-type': 'application/json', ...headers }),
    });
  const range = () => ({
    from: new Date(t0 - 3 * HOUR).toISOString(),
    to: new Date(t0 - 2 * HOUR).toISOString(),
  });

  function assertClientError(reply: RawReply, what: string): void {
    assert.ok(
      reply.status >= 400 && reply.status < 500,
      `${what}: expected a 4xx, got ${reply.status} ${reply.body.slice(0, 200)}`,
    );
    assert.ok(
      reply.body.length > 0 && reply.body.length < 10_000,
      `${what}: a short message says what is wrong`,
    );
  }

  before(async () => {
    t0 = currentHour();
    stack = await startResilienceStack({ t0, sim: { tenant: { recordsPerHour: 40, recordsPerBlob: 20 } } });
  });
  after(async () => {
    await stack?.dispose();
  });

  it('refuses oversized bodies on every POST route with a 4xx', async () => {
    const huge = JSON.stringify({ ...range(), padding: 'x'.repeat(12 * 1024 * 1024) });
    for (const route of ['/api/pipeline/rewind', '/api/pipeline/start', '/api/pipeline/stop']) {
      assertClientError(await send('POST', route, huge), `${route} with a 12 MB body`);
    }
  });

  it('refuses deeply nested JSON bodies with a 4xx', async () => {
    const deepArray = '['.repeat(100_000) + ']'.repeat(100_000);
    const deepObject =
      JSON.stringify(range()).slice(0, -1) +
      ',"x":' +
      '{"a":'.repeat(50_000) +
      '1' +
      '}'.repeat(50_000) +
      '}';
    for (const body of [deepArray, deepObject]) {
      assertClientError(await send('POST', '/api/pipeline/rewind', body), 'deep JSON to rewind');
      assertClientError(await send('POST', '/api/pipeline/start', body), 'deep JSON to start');
    }
  });

  it('refuses bodies that are not JSON whatever the content type says', async () => {
    const { from, to } = range();
    const cases: [string, string][] = [
      ['application/x-www-form-urlencoded', `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`],
      ['application/xml', `<rewind><from>${from}</from><to>${to}</to></rewind>`],
      [
        'multipart/form-data; boundary=x',
        `--x\r\nContent-Disposition: form-data; name="from"\r\n\r\n${from}\r\n--x--`,
      ],
      ['application/json', '\u0000\u0001\u0002'],
      [
        'application/json; charset=utf-16',
        Buffer.from(JSON.stringify(range()), 'utf16le').toString('latin1'),
      ],
      ['application/json', 'null'],
      ['application/json', '"a string"'],
      ['application/json', `[${JSON.stringify(range())}]`],
    ];
    for (const [type, body] of cases) {
      assertClientError(
        await send('POST', '/api/pipeline/rewind', body, { 'content-type': type }),
        `rewind as ${type}: ${body.slice(0, 30)}`,
      );
    }
  });

  it('never lets a path trick reach a route without the key, and never answers 5xx to one', async () => {
    const tricks = [
      '/api/pipeline/../pipeline/status',
      '/api/pipeline/%2e%2e/pipeline/status',
      '/api/pipeline/status/..%2f..%2fstop',
      '/api/pipeline//status',
      '/api//pipeline/status',
      '/api/pipeline/status%00',
      '/api/pipeline/status;x=1',
      '/api/pipeline/STATUS',
      '/api/pipeline/status/',
      '/api/pipeline/%73tatus',
      '/api/%2e%2e/runtime/webhooks/durabletask/instances',
      '/runtime/webhooks/durabletask/instances',
      '/runtime/webhooks/durabletask/instances/o365-pipeline/terminate?reason=x',
      '/api/pipeline/windows?from=' + 'a'.repeat(7000),
      `/api/pipeline/${'%2e%2e/'.repeat(200)}etc/passwd`,
      '/api/pipeline/status?code=wrong',
      '/admin/host/status',
      '/admin/functions',
    ];
    for (const path of tricks) {
      for (const method of ['GET', 'POST']) {
        const reply = await rawRequest(stack.baseUrl, {
          method,
          path,
          headers: { 'content-type': 'application/json' },
        });
        assert.ok(reply.status < 500, `${method} ${path.slice(0, 80)} without key: ${reply.status}`);
        assert.ok(
          reply.status >= 400,
          `${method} ${path.slice(0, 80)} without key reached a route (${reply.status})`,
        );
      }
      const withKey = await send('GET', path);
      assert.ok(
        withKey.status < 500,
        `GET ${path.slice(0, 80)} with key: ${withKey.status} ${withKey.body.slice(0, 200)}`,
      );
    }
  });

  it('answers query tricks on windows with a 4xx or a normal answer, never a 5xx', async () => {
    const { from, to } = range();
    const queries = [
      `from=${from}&from=${to}&to=${to}`,
      `from=${encodeURIComponent("2026-01-01' or 1==1 --")}&to=${to}`,
      `from=${from}&to=${to}&contentType=${encodeURIComponent('Audit.General | take 0')}`,
      `from=${from}&to=${to}&contentType=${encodeURIComponent('../../etc')}`,
      `from[]=${from}&to=${to}`,
      `from=${'9'.repeat(400)}&to=${to}`,
      `from=${encodeURIComponent('\u0000')}&to=${to}`,
    ];
    for (const q of queries) {
      const reply = await send('GET', `/api/pipeline/windows?${q}`);
      assert.ok(reply.status < 500, `windows?${q.slice(0, 60)}: ${reply.status} ${reply.body.slice(0, 200)}`);
    }
  });

  it('still serves a good request afterwards', async () => {
    const status = await send('GET', '/api/pipeline/status');
    assert.equal(status.status, 200, status.body.slice(0, 200));
    const rewind = await send('POST', '/api/pipeline/rewind', JSON.stringify(range()));
    assert.equal(rewind.status, 202, rewind.body.slice(0, 300));
  });
});
