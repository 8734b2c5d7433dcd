import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHost, type TestHost } from '../../harness/host-helpers';

let host: TestHost;
before(async () => {
  host = await startTestHost();
});
after(() => host.dispose());

const runtimeStatus = async (id: string): Promise<string> =>
  ((await host.status(id)) as { runtimeStatus: string }).runtimeStatus;

test('terminate ends a running instance with the reason as output; a second terminate answers 410', async () => {
  const id = await host.start('waitForApproval', undefined, 'to-terminate');
  await host.waitForIdle();
  assert.equal((await host.post(`/api/client/terminate/${id}`)).body?.ok, true);
  const status = (await host.waitForStatus(id, ['Terminated'], 5000)) as { output: unknown };
  assert.equal(status.output, 'because');
  // Events after termination change nothing.
  await host.post(`/api/client/raise/${id}`, { event: 'approval', input: 1 });
  await host.waitForIdle();
  assert.equal(await runtimeStatus(id), 'Terminated');
  const again = await fetch(`${host.rpcBaseUrl}instances/${id}/terminate?reason=x`, { method: 'POST' });
  assert.equal(again.status, 410);
  const missing = await fetch(`${host.rpcBaseUrl}instances/nope/terminate?reason=x`, { method: 'POST' });
  assert.equal(missing.status, 404);
});

test('a suspended instance holds its events until it is resumed', async () => {
  const id = await host.start('waitForApproval', undefined, 'to-suspend');
  await host.waitForIdle();
  assert.equal((await host.post(`/api/client/suspend/${id}`)).body?.ok, true);
  await host.waitForStatus(id, ['Suspended'], 5000);
  await host.post(`/api/client/raise/${id}`, { event: 'approval', input: 'a' });
  await host.post(`/api/client/raise/${id}`, { event: 'second', input: 'b' });
  await host.waitForIdle();
  assert.equal(await runtimeStatus(id), 'Suspended');
  assert.equal((await host.post(`/api/client/resume/${id}`)).body?.ok, true);
  const done = (await host.waitForStatus(id, ['Completed'], 5000)) as { output: unknown };
  assert.deepEqual(done.output, { first: 'a', second: 'b' });
  for (const op of ['suspend', 'resume']) {
    assert.equal(
      (await fetch(`${host.rpcBaseUrl}instances/${id}/${op}?reason=x`, { method: 'POST' })).status,
      410,
    );
    assert.equal(
      (await fetch(`${host.rpcBaseUrl}instances/nope/${op}?reason=x`, { method: 'POST' })).status,
      404,
    );
  }
});

test('purge deletes finished instances by id and by filter', async () => {
  const id = await host.start('sequence', 1, 'to-purge');
  await host.waitForStatus(id, ['Completed'], 5000);
  const purged = await host.post(`/api/client/purge/${id}`);
  assert.deepEqual(purged.body?.value, { instancesDeleted: 1 });
  const gone = await host.post(`/api/client/status/${id}`);
  assert.equal(gone.body?.ok, false);
  assert.match(String(gone.body?.error), /404/);
  assert.equal((await fetch(`${host.rpcBaseUrl}instances/${id}`, { method: 'DELETE' })).status, 404);

  // A running instance is not purged.
  const running = await host.start('waitForApproval', undefined, 'still-running');
  await host.waitForIdle();
  assert.equal((await fetch(`${host.rpcBaseUrl}instances/${running}`, { method: 'DELETE' })).status, 404);
  assert.equal(await runtimeStatus(running), 'Running');

  const byFilter = await fetch(`${host.rpcBaseUrl}instances/?runtimeStatus=Terminated,Completed`, {
    method: 'DELETE',
  });
  assert.equal(byFilter.status, 200);
  assert.ok(((await byFilter.json()) as { instancesDeleted: number }).instancesDeleted >= 1);
  const left = (await (
    await fetch(`${host.rpcBaseUrl}instances/?runtimeStatus=Completed`)
  ).json()) as unknown[];
  assert.deepEqual(left, []);
});

test('terminating a sub-orchestration fails the parent task, which the parent can catch', async () => {
  const id = await host.start('parentOfWaiter', undefined, 'pw');
  await host.waitForIdle();
  assert.equal(await runtimeStatus('pw-child'), 'Running');
  assert.equal((await host.post('/api/client/terminate/pw-child')).body?.ok, true);
  const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 5000)) as {
    output: { caught: string };
  };
  assert.match(status.output.caught, /pw-child.*terminated: because/);
});
