import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHost, type TestHost } from '../../harness/host-helpers';

let host: TestHost;
before(async () => {
  host = await startTestHost();
});
after(() => host.dispose());

test('a fan-out of 1,000 activities completes with the exact sum', async () => {
  const id = await host.start('fanOut', { n: 1000 }, 'fan-1000');
  const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 30_000)) as {
    runtimeStatus: string;
    output: unknown;
  };
  assert.equal(status.runtimeStatus, 'Completed');
  // sum of 2i for i < 1000
  assert.equal(status.output, 999_000);
});

test('completions that arrive together are delivered in few episodes, not one per activity', async () => {
  const history = await host.history('fan-1000');
  const episodes = history.historyEvents.filter((e) => e.EventType === 'OrchestratorStarted');
  const completed = history.historyEvents.filter((e) => e.EventType === 'TaskCompleted');
  assert.equal(completed.length, 1000);
  assert.ok(episodes.length < 100, `expected batched delivery, saw ${episodes.length} episodes`);
});

test('activities receive inputs and return values converted as in production', async () => {
  const id = await host.start('sequence', { hello: 'world' });
  const status = (await host.waitForStatus(id, ['Completed', 'Failed'])) as { output: unknown };
  assert.deepEqual(status.output, {
    a: 'echo:a',
    b: 42,
    c: { nested: [1, 2, 3] },
    input: { hello: 'world' },
  });
});

test('an orchestrator that throws ends Failed with its message', async () => {
  const id = await host.start('throws');
  const status = (await host.waitForStatus(id, ['Completed', 'Failed'])) as {
    runtimeStatus: string;
    output: string;
  };
  assert.equal(status.runtimeStatus, 'Failed');
  assert.match(status.output, /orchestrator gave up/);
});
