import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHost, type TestHost } from '../../harness/host-helpers';

let host: TestHost;
before(async () => {
  host = await startTestHost();
});
after(() => host.dispose());

test('100 continueAsNew generations carry state forward and keep the history bounded', async () => {
  const id = await host.start('counterLoop', { generation: 0, total: 0, until: 100 }, 'loop');
  const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 30_000)) as {
    runtimeStatus: string;
    output: { generation: number; total: number };
    customStatus: unknown;
  };
  assert.equal(status.runtimeStatus, 'Completed');
  assert.equal(status.output.generation, 100);
  assert.equal(status.output.total, 9900); // sum of 2g for g < 100
  assert.deepEqual(status.customStatus, { generation: 100 });
  const history = await host.history(id);
  // Only the last generation's events remain: start, one activity, completion and the episode markers.
  assert.ok(history.historyEvents.length <= 10, `history has ${history.historyEvents.length} events`);
  const started = history.historyEvents.find((e) => e.EventType === 'ExecutionStarted');
  assert.deepEqual(JSON.parse(String(started?.Input)), { generation: 99, total: 9702, until: 100 });
});
