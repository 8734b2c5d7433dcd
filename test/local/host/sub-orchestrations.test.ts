import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHost, type TestHost } from '../../harness/host-helpers';

let host: TestHost;
before(async () => {
  host = await startTestHost();
});
after(() => host.dispose());

test('sub-orchestrations run with explicit and default ids, and a child failure reaches the parent', async () => {
  const id = await host.start('parent', undefined, 'the-parent');
  const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 10_000)) as {
    runtimeStatus: string;
    output: { explicit: number; implicit: number; failure: string };
  };
  assert.equal(status.runtimeStatus, 'Completed');
  assert.equal(status.output.explicit, 10);
  assert.equal(status.output.implicit, 14);
  assert.match(status.output.failure, /boom/);

  const history = await host.history(id);
  const started = history.historyEvents.find((e) => e.EventType === 'ExecutionStarted');
  const executionId = String(started?.OrchestrationInstance?.ExecutionId);
  const created = history.historyEvents.filter((e) => e.EventType === 'SubOrchestrationInstanceCreated');
  assert.deepEqual(
    created.map((e) => [e.EventId, e.InstanceId]),
    [
      [0, 'explicit-child'],
      [1, `${executionId}:1`],
      [2, 'failing-child'],
    ],
  );

  const explicit = (await host.status('explicit-child')) as { runtimeStatus: string; output: number };
  assert.equal(explicit.runtimeStatus, 'Completed');
  assert.equal(explicit.output, 10);
  const implicit = (await host.status(`${executionId}:1`)) as { runtimeStatus: string; output: number };
  assert.equal(implicit.output, 14);
  const failing = (await host.status('failing-child')) as { runtimeStatus: string };
  assert.equal(failing.runtimeStatus, 'Failed');
});

test('batched fan-out through sub-orchestrations returns the exact total', async () => {
  const id = await host.start('batchedFanOut', { n: 1200, batch: 250 }, 'batched');
  const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 30_000)) as { output: number };
  assert.equal(status.output, 1199 * 1200); // sum of 2i for i < 1200
  const child = (await host.history('batched-batch-4')) as { historyEvents: unknown[]; output: number };
  assert.equal(child.output, (2 * ((1000 + 1199) * 200)) / 2);
});

test('callSubOrchestratorWithRetry: a new default id per attempt, then the failure', async () => {
  const id = await host.start('retryChild', undefined, 'retry-child');
  const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 10_000)) as { output: string };
  assert.match(status.output, /child boom/);
  const history = await host.history(id);
  const exec = String(
    history.historyEvents.find((e) => e.EventType === 'ExecutionStarted')?.OrchestrationInstance?.ExecutionId,
  );
  const pattern = history.historyEvents
    .filter((e) => !e.EventType.startsWith('Orchestrator'))
    .map(
      (e) =>
        `${e.EventType}${e.EventId >= 0 ? `#${e.EventId}` : ''}${e.InstanceId ? ` ${e.InstanceId}` : ''}`,
    );
  assert.deepEqual(pattern, [
    'ExecutionStarted',
    `SubOrchestrationInstanceCreated#0 ${exec}:0`,
    'SubOrchestrationInstanceFailed',
    'TimerCreated#1',
    'TimerFired',
    `SubOrchestrationInstanceCreated#2 ${exec}:2`,
    'SubOrchestrationInstanceFailed',
    'TimerCreated#3',
    'TimerFired',
    'ExecutionCompleted',
  ]);
});
