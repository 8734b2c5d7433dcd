import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse, startTestHost, testKey, type TestHost } from '../../harness/host-helpers';

let host: TestHost;
before(async () => {
  host = await startTestHost();
});
after(() => host.dispose());

test('startNew: 202 with management URLs; an id that is running fails (500); an unknown orchestrator fails (400)', async () => {
  const raw = await fetch(`${host.rpcBaseUrl}orchestrators/waitForApproval/busy-one`, {
    method: 'POST',
    body: '',
  });
  assert.equal(raw.status, 202);
  const body = (await raw.json()) as { id: string; statusQueryGetUri: string };
  assert.equal(body.id, 'busy-one');
  assert.equal(raw.headers.get('location'), body.statusQueryGetUri);
  assert.ok(
    body.statusQueryGetUri.startsWith(`${host.baseUrl}/runtime/webhooks/durabletask/instances/busy-one?`),
  );

  const dup = await host.post('/api/client/start/busy-one', { name: 'waitForApproval' });
  assert.equal(dup.body?.ok, false);
  assert.match(String(dup.body?.error), /unexpected status code: 500/);
  const unknown = await host.post('/api/client/start/x1', { name: 'noSuchOrchestrator' });
  assert.equal(unknown.body?.ok, false);
  assert.match(String(unknown.body?.error), /unexpected status code: 400/);
});

test('getStatus: the real client reads running and completed instances and reports 404 for unknown ids', async () => {
  const id = await host.start('sequence', { x: 1 }, 'status-1');
  await host.waitForStatus(id, ['Completed'], 5000);
  const status = (await host.status(id)) as {
    name: string;
    runtimeStatus: string;
    input: unknown;
    createdTime: string;
  };
  assert.equal(status.name, 'sequence');
  assert.equal(status.runtimeStatus, 'Completed');
  assert.deepEqual(status.input, { x: 1 });
  assert.ok(!Number.isNaN(Date.parse(status.createdTime)));
  const missing = await host.post('/api/client/status/never-started');
  assert.match(String(missing.body?.error), /HTTP 404/);
});

test('public webhooks: key required, 202 + Location while running, 200 when done', async () => {
  const url = (id: string, key?: string) =>
    `${host.baseUrl}/runtime/webhooks/durabletask/instances/${id}${key ? `?code=${key}` : ''}`;
  assert.equal((await fetch(url('busy-one'))).status, 401);
  const running = await fetch(url('busy-one', testKey));
  assert.equal(running.status, 202);
  assert.ok(running.headers.get('location'));
  assert.equal(running.headers.get('retry-after'), '10');
  const done = await fetch(url('status-1', testKey));
  assert.equal(done.status, 200);
  assert.equal(((await done.json()) as { output: { a: string } }).output.a, 'echo:a');
  assert.equal((await fetch(url('never-started', testKey))).status, 404);
});

test('createCheckStatusResponse points at this host', async () => {
  const r = await host.post('/api/client/check/busy-one');
  assert.equal(r.status, 202);
  const location = r.headers.get('location') ?? '';
  assert.ok(location.startsWith(`${host.baseUrl}/runtime/webhooks/durabletask/instances/busy-one`), location);
  const followed = await parse(await fetch(location));
  assert.equal(followed.status, 202);
  assert.equal(followed.body?.runtimeStatus, 'Running');
});

test('rewind: 412 unless Failed, 501 for Failed (not supported locally), 404 unknown', async () => {
  const failed = await host.start('throws', undefined, 'failed-1');
  await host.waitForStatus(failed, ['Failed'], 5000);
  const r501 = await host.post(`/api/client/rewind/${failed}`);
  assert.match(String(r501.body?.error), /not supported/);
  const r412 = await host.post('/api/client/rewind/busy-one');
  assert.match(String(r412.body?.error), /only supported on failed/);
  const rpc = (id: string) => fetch(`${host.rpcBaseUrl}instances/${id}/rewind?reason=x`, { method: 'POST' });
  assert.equal((await rpc(failed)).status, 501);
  assert.equal((await rpc('busy-one')).status, 412);
  assert.equal((await rpc('nope')).status, 404);
});

test('getStatusAll follows continuation tokens across pages', async () => {
  await Promise.all(
    Array.from({ length: 110 }, (_, i) =>
      fetch(`${host.rpcBaseUrl}orchestrators/sequence/many-${i}`, { method: 'POST', body: '0' }),
    ),
  );
  const page = await fetch(`${host.rpcBaseUrl}instances/`);
  assert.ok(page.headers.get('x-ms-continuation-token'), 'the first page is not the last');
  const all = await host.post('/api/client/list');
  const ids = new Set((all.body?.value as { instanceId: string }[]).map((s) => s.instanceId));
  for (let i = 0; i < 110; i++) assert.ok(ids.has(`many-${i}`), `many-${i} listed`);
  const filtered = (await (
    await fetch(`${host.rpcBaseUrl}instances/?runtimeStatus=Failed`)
  ).json()) as unknown[];
  assert.equal(filtered.length, 1);
});
