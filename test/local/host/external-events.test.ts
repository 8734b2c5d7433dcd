import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHost, type TestHost } from '../../harness/host-helpers';

let host: TestHost;
before(async () => {
  host = await startTestHost();
});
after(() => host.dispose());

test('external events reach their waiters; an event raised before the wait is kept', async () => {
  const id = await host.start('waitForApproval', undefined, 'approval-1');
  await host.waitForIdle();
  const waiting = (await host.status(id)) as { runtimeStatus: string; customStatus: unknown };
  assert.equal(waiting.runtimeStatus, 'Running');
  assert.equal(waiting.customStatus, 'waiting');

  // 'second' arrives before the orchestrator waits for it: it is buffered, not lost.
  assert.equal((await host.post(`/api/client/raise/${id}`, { event: 'second', input: 2 })).body?.ok, true);
  await host.waitForIdle();
  assert.equal(((await host.status(id)) as { runtimeStatus: string }).runtimeStatus, 'Running');
  assert.equal(
    (await host.post(`/api/client/raise/${id}`, { event: 'approval', input: { by: 'soc' } })).body?.ok,
    true,
  );
  const done = (await host.waitForStatus(id, ['Completed'], 5000)) as { output: unknown };
  assert.deepEqual(done.output, { first: { by: 'soc' }, second: 2 });
});

test('raiseEvent answers 404 for unknown instances, 410 for finished ones and 400 for non-JSON data', async () => {
  const unknown = await host.post('/api/client/raise/nobody-here', { event: 'approval', input: 1 });
  assert.equal(unknown.body?.ok, false);
  assert.match(String(unknown.body?.error), /No instance with ID 'nobody-here' found/);

  const raw = (id: string, body: string) =>
    fetch(`${host.rpcBaseUrl}instances/${id}/raiseEvent/approval`, { method: 'POST', body });
  assert.equal((await raw('nobody-here', '1')).status, 404);
  assert.equal((await raw('approval-1', '1')).status, 410);
  const id = await host.start('waitForApproval', undefined, 'approval-2');
  assert.equal((await raw(id, '{not json')).status, 400);
  assert.equal((await raw(id, '"fine"')).status, 202);
});
