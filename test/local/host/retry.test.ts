import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import { eventPattern, startTestHost, type TestHost } from '../../harness/host-helpers';

const start = Date.parse('2026-01-01T00:00:00Z');
let host: TestHost;
let clock: VirtualClock;
before(async () => {
  clock = new VirtualClock(start);
  host = await startTestHost({ clock, timeSkipping: true });
});
after(() => host.dispose());

/** The history of two failed attempts, each followed by its retry timer (DTFx event pattern). */
const TWO_FAILED_ATTEMPTS = [
  'ExecutionStarted',
  'TaskScheduled#0',
  'TaskFailed(0)',
  'TimerCreated#1',
  'TimerFired(1)',
  'TaskScheduled#2',
  'TaskFailed(2)',
  'TimerCreated#3',
  'TimerFired(3)',
];

const scheduleOnly = (pattern: string[]): string[] =>
  pattern.filter((e) => !e.startsWith('OrchestratorStarted') && !e.startsWith('OrchestratorCompleted'));

test('callActivityWithRetry succeeds on the third attempt with the DTFx event pattern', async () => {
  const id = await host.start(
    'retrying',
    { key: 'third', succeedOn: 3, maxAttempts: 5, backoff: 2 },
    'retry-ok',
  );
  const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 10_000)) as { output: unknown };
  assert.deepEqual(status.output, { ok: { attempt: 3 } });
  const history = await host.history(id);
  assert.deepEqual(scheduleOnly(eventPattern(history)), [
    ...TWO_FAILED_ATTEMPTS,
    'TaskScheduled#4',
    'TaskCompleted(4)',
    'ExecutionCompleted',
  ]);
  // Backoff: 1 s after the first failure, 2 s after the second (coefficient 2), on the virtual clock.
  const timers = history.historyEvents.filter((e) => e.EventType === 'TimerCreated');
  const delays = timers.map((t) => Date.parse(String(t.FireAt)) - Date.parse(t.Timestamp));
  assert.deepEqual(delays, [1000, 2000]);
  assert.ok(clock.now() >= start + 3000, 'time skipping moved the virtual clock past both retry timers');
});

test('exhausted retries fail the task after one extra immediate timer', async () => {
  const id = await host.start('retrying', { key: 'never', succeedOn: 99, maxAttempts: 2 }, 'retry-exhausted');
  const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 10_000)) as {
    output: { failed: string };
  };
  assert.match(status.output.failed, /flaky attempt 2 failed/);
  const history = await host.history(id);
  assert.deepEqual(scheduleOnly(eventPattern(history)), [...TWO_FAILED_ATTEMPTS, 'ExecutionCompleted']);
  const timers = history.historyEvents.filter((e) => e.EventType === 'TimerCreated');
  const last = timers.at(-1);
  assert.equal(Date.parse(String(last?.FireAt)) - Date.parse(String(last?.Timestamp)), 0);
});
