import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestHost, testKey, type TestHost } from '../../harness/host-helpers';

let host: TestHost;
before(async () => {
  host = await startTestHost();
});
after(() => host.dispose());

test('function routes need the key (?code= or x-functions-key); anonymous routes are open', async () => {
  const url = `${host.baseUrl}/api/secure/alice`;
  const missing = await fetch(url);
  assert.equal(missing.status, 401);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /x-functions-key/);
  assert.equal((await fetch(`${url}?code=wrong`)).status, 401);
  assert.equal((await fetch(url, { headers: { 'x-functions-key': 'wrong' } })).status, 401);
  const byQuery = await fetch(`${url}?code=${testKey}`);
  assert.equal(byQuery.status, 201);
  assert.deepEqual(await byQuery.json(), { name: 'alice' });
  const byHeader = await fetch(url, { headers: { 'x-functions-key': testKey, 'x-echo': 'hi' } });
  assert.equal(byHeader.status, 201);
  assert.equal(byHeader.headers.get('x-echo'), 'hi');
  assert.equal(byHeader.headers.get('set-cookie'), 'session=abc; Path=/; HttpOnly');
  const open = await fetch(`${host.baseUrl}/api/ping?x=1`);
  assert.equal(open.status, 200);
  assert.deepEqual(await open.json(), { pong: '1' });
  assert.equal((await fetch(`${host.baseUrl}/api/no-such-route`)).status, 404);
  assert.equal((await fetch(`${host.baseUrl}/api/ping`, { method: 'DELETE' })).status, 404);
});

test('Durable webhooks and /admin need the key', async () => {
  assert.equal((await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/`)).status, 401);
  assert.equal((await fetch(`${host.baseUrl}/admin/host/status`)).status, 401);
  assert.equal((await fetch(`${host.baseUrl}/admin/host/status?code=${testKey}`)).status, 200);
});

test('without a key option or LOCAL_FUNCTION_KEY a key is generated once and kept in the state dir', async () => {
  const saved = process.env.LOCAL_FUNCTION_KEY;
  delete process.env.LOCAL_FUNCTION_KEY;
  const stateDir = mkdtempSync(join(tmpdir(), 'local-host-keys-'));
  try {
    const first = await startTestHost({ stateDir, functionKey: undefined });
    await first.close();
    assert.ok(first.functionKey.length >= 32);
    assert.ok(existsSync(join(stateDir, 'function-key')));
    assert.equal(readFileSync(join(stateDir, 'function-key'), 'utf8').trim(), first.functionKey);
    const second = await startTestHost({ stateDir, functionKey: undefined });
    await second.close();
    assert.equal(second.functionKey, first.functionKey);

    process.env.LOCAL_FUNCTION_KEY = 'from-env';
    const third = await startTestHost({ stateDir, functionKey: undefined });
    try {
      assert.equal(third.functionKey, 'from-env');
      assert.equal((await fetch(`${third.baseUrl}/api/secure/x?code=from-env`)).status, 201);
    } finally {
      await third.close();
    }
  } finally {
    if (saved === undefined) delete process.env.LOCAL_FUNCTION_KEY;
    else process.env.LOCAL_FUNCTION_KEY = saved;
    rmSync(stateDir, { recursive: true, force: true });
  }
});
