import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { killHard, spawnHost, type ChildHost } from '../../harness/child-host';
import { fixture } from '../../harness/host-helpers';

const state = mkdtempSync(join(tmpdir(), 'local-host-cli-'));
let host: ChildHost;
before(async () => {
  host = await spawnHost(
    ['--app', fixture('durable-app.ts'), '--state', state, '--virtual-clock', '2026-05-01T00:00:00Z'],
    { LOCAL_FUNCTION_KEY: 'cli-key' },
  );
});
after(async () => {
  await killHard(host);
  rmSync(state, { recursive: true, force: true });
});

test('the CLI prints the base URL and the function key', () => {
  assert.equal(host.functionKey, 'cli-key');
  assert.match(host.output(), new RegExp(`app routes and webhooks: ${host.baseUrl.replace(/\./g, '\\.')}`));
  assert.match(host.output(), /function key: +cli-key/);
});

test('/admin/clock needs the key, reads the virtual time and moves it; durable timers follow', async () => {
  assert.equal((await fetch(`${host.baseUrl}/admin/clock`)).status, 401);
  const clockUrl = `${host.baseUrl}/admin/clock?code=cli-key`;
  const now = (await (await fetch(clockUrl)).json()) as { now: string };
  assert.equal(now.now, '2026-05-01T00:00:00.000Z');

  const started = await fetch(`${host.rpcBaseUrl}orchestrators/timerThenTime/cli-timer`, {
    method: 'POST',
    body: JSON.stringify({ delayMs: 2 * 3600_000 }),
  });
  assert.equal(started.status, 202);
  const advance = async (body: unknown) =>
    (await (await fetch(clockUrl, { method: 'POST', body: JSON.stringify(body) })).json()) as { now: string };
  assert.equal((await advance({ advanceMs: 3600_000 })).now, '2026-05-01T01:00:00.000Z');
  assert.equal((await fetch(clockUrl, { method: 'POST', body: '{"advanceMs":-1}' })).status, 400);
  assert.equal((await advance({ to: '2026-05-01T02:00:00Z' })).now, '2026-05-01T02:00:00.000Z');

  let status: { runtimeStatus: string; output: { woke: number } } | undefined;
  for (let i = 0; i < 200; i++) {
    status = (await (await fetch(`${host.rpcBaseUrl}instances/cli-timer`)).json()) as typeof status;
    if (status?.runtimeStatus === 'Completed') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(status?.runtimeStatus, 'Completed');
  assert.equal(status?.output.woke, Date.parse('2026-05-01T02:00:00Z'));
});
