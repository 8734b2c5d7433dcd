/**
 * What a person with curl gets wrong: every route answers a 4xx whose body says what to fix, a request without the
 * function key is refused with 401, and a bad setting stops start-up naming the setting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { currentHour, HOUR, SMALL_TENANT, startE2eStack, type E2eStack } from '../../harness/stack-harness';

const DAY = 24 * HOUR;

describe('a bad setting', () => {
  it('stops start-up with the names of the settings at fault', async () => {
    await assert.rejects(
      startE2eStack({
        t0: currentHour(),
        sim: { tenant: SMALL_TENANT },
        settings: { PIPELINE_WINDOW_MINUTES: 'hourly', KUSTO_TABLE: 'alerts-table!' },
      }),
      (error: Error) => {
        assert.match(error.message, /PIPELINE_WINDOW_MINUTES must be a whole number/);
        assert.match(error.message, /KUSTO_TABLE must be a plain Kusto table name/);
        return true;
      },
    );
  });
});

describe('bad requests to the HTTP API', () => {
  let stack: E2eStack;
  let t0: number;
  const iso = (ms: number): string => new Date(ms).toISOString();

  /** Sends raw text (so unparsable bodies can be sent) with or without the key. */
  async function send(
    method: string,
    path: string,
    body?: string,
    key: string | null = stack.functionKey,
  ): Promise<{ status: number; text: string; message: string | undefined }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== null) headers['x-functions-key'] = key;
    const res = await fetch(`${stack.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let message: string | undefined;
    try {
      message = (JSON.parse(text) as { error?: string }).error;
    } catch {
      message = undefined;
    }
    return { status: res.status, text, message };
  }

  async function expectBad(
    method: string,
    path: string,
    body: string | undefined,
    status: number,
    mentions: RegExp,
  ): Promise<void> {
    const reply = await send(method, path, body);
    assert.equal(reply.status, status, `${method} ${path} ${body ?? ''} → ${reply.status} ${reply.text}`);
    assert.ok(reply.message, `${method} ${path}: the body carries a message (${reply.text})`);
    assert.match(reply.message, mentions, `${method} ${path} ${body ?? ''}`);
  }

  before(async () => {
    t0 = currentHour();
    stack = await startE2eStack({ t0, sim: { tenant: SMALL_TENANT } });
  });
  after(async () => {
    await stack?.dispose();
  });

  it('refuses every route without the function key, or with a wrong one', async () => {
    const routes: [string, string][] = [
      ['POST', '/api/pipeline/start'],
      ['GET', '/api/pipeline/status'],
      ['POST', '/api/pipeline/stop'],
      ['POST', '/api/pipeline/rewind'],
      ['GET', '/api/pipeline/windows'],
    ];
    for (const [method, path] of routes) {
      const body = method === 'POST' ? '{}' : undefined;
      assert.equal((await send(method, path, body, null)).status, 401, `${method} ${path} without key`);
      assert.equal(
        (await send(method, path, body, 'not-the-key')).status,
        401,
        `${method} ${path} wrong key`,
      );
    }
    assert.equal((await send('GET', '/runtime/webhooks/durabletask/instances', undefined, null)).status, 401);
  });

  it('start: unparsable JSON, unknown fields, bad or out-of-range startFrom', async () => {
    await expectBad('POST', '/api/pipeline/start', '{"startFrom": ', 400, /JSON/i);
    await expectBad('POST', '/api/pipeline/start', '[1,2]', 400, /object/i);
    await expectBad('POST', '/api/pipeline/start', '{"startFom":"2026-01-01T00:00:00Z"}', 400, /startFom/);
    await expectBad('POST', '/api/pipeline/start', '{"startFrom":"yesterday"}', 400, /startFrom/);
    await expectBad(
      'POST',
      '/api/pipeline/start',
      JSON.stringify({ startFrom: iso(t0 + HOUR) }),
      400,
      /future/,
    );
    await expectBad(
      'POST',
      '/api/pipeline/start',
      JSON.stringify({ startFrom: iso(t0 - 8 * DAY) }),
      400,
      /retention/,
    );
  });

  it('stop: not running yet, or with a body it does not take', async () => {
    await expectBad('POST', '/api/pipeline/stop', undefined, 409, /not running/);
    await expectBad('POST', '/api/pipeline/stop', '{"now":true}', 400, /now/);
  });

  it('rewind: missing, unparsable, reversed, future and too-old ranges, unknown fields', async () => {
    const path = '/api/pipeline/rewind';
    await expectBad('POST', path, undefined, 400, /empty/);
    await expectBad('POST', path, '{"from":', 400, /JSON/i);
    await expectBad('POST', path, JSON.stringify({ from: iso(t0 - 3 * HOUR) }), 400, /"to"/);
    await expectBad('POST', path, JSON.stringify({ from: 'last tuesday', to: iso(t0 - HOUR) }), 400, /from/);
    await expectBad(
      'POST',
      path,
      JSON.stringify({ from: iso(t0 - HOUR), to: iso(t0 - 3 * HOUR) }),
      400,
      /before/,
    );
    await expectBad(
      'POST',
      path,
      JSON.stringify({ from: iso(t0 - HOUR), to: iso(t0 - HOUR) }),
      400,
      /before/,
    );
    await expectBad(
      'POST',
      path,
      JSON.stringify({ from: iso(t0 - HOUR), to: iso(t0 + 2 * HOUR) }),
      400,
      /future/,
    );
    await expectBad(
      'POST',
      path,
      JSON.stringify({ from: iso(t0 - 8 * DAY), to: iso(t0 - HOUR) }),
      400,
      /retention/,
    );
    await expectBad(
      'POST',
      path,
      JSON.stringify({ from: iso(t0 - 3 * HOUR), to: iso(t0 - HOUR), force: true }),
      400,
      /force/,
    );
    await expectBad(
      'POST',
      path,
      JSON.stringify({ from: iso(t0 - 3 * HOUR), to: iso(t0 - HOUR), contentTypes: ['Audit.Nope'] }),
      400,
      /contentTypes/,
    );
  });

  it('windows and status: bad query parameters', async () => {
    await expectBad('GET', '/api/pipeline/windows?from=soon', undefined, 400, /from/);
    await expectBad(
      'GET',
      `/api/pipeline/windows?from=${iso(t0)}&to=${iso(t0 - HOUR)}`,
      undefined,
      400,
      /before/,
    );
    await expectBad(
      'GET',
      `/api/pipeline/windows?from=${iso(t0 - 9 * DAY)}&to=${iso(t0)}`,
      undefined,
      400,
      /8 days/,
    );
    await expectBad('GET', '/api/pipeline/windows?form=x', undefined, 400, /form/);
    await expectBad('GET', '/api/pipeline/status?verbose=1', undefined, 400, /verbose/);
  });

  it('still works for a good request afterwards', async () => {
    const started = await send(
      'POST',
      '/api/pipeline/start',
      JSON.stringify({ startFrom: iso(t0 - 2 * HOUR) }),
    );
    assert.equal(started.status, 202, started.text);
    const again = await send('POST', '/api/pipeline/start', '{}');
    assert.ok(again.status === 200 || again.status === 409, again.text);
  });
});
