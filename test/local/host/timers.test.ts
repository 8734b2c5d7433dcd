import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import type { HostOptions } from '../../../local/host';
import { startTestHost, type TestHost } from '../../harness/host-helpers';

const start = Date.parse('2026-03-01T00:00:00Z');
const hour = 3600_000;
const day = 24 * hour;

/** Runs `body` against a fresh host whose virtual clock starts at `start`, and disposes the host afterwards. */
async function withHost(
  options: Omit<Partial<HostOptions>, 'clock'>,
  body: (host: TestHost, clock: VirtualClock) => Promise<void>,
): Promise<void> {
  const clock = new VirtualClock(start);
  const host = await startTestHost({ ...options, clock });
  try {
    await body(host, clock);
  } finally {
    await host.dispose();
  }
}

test('a durable timer fires exactly when the virtual clock reaches it', () =>
  withHost({}, async (host, clock) => {
    const id = await host.start('timerThenTime', { delayMs: hour });
    await host.waitForIdle();
    assert.equal(((await host.status(id)) as { runtimeStatus: string }).runtimeStatus, 'Running');
    clock.advance(hour - 1);
    await host.waitForIdle();
    assert.equal(((await host.status(id)) as { runtimeStatus: string }).runtimeStatus, 'Running');
    clock.advance(1);
    const status = (await host.waitForStatus(id, ['Completed'], 5000)) as {
      output: { started: number; woke: number };
    };
    assert.equal(status.output.started, start);
    assert.equal(status.output.woke, start + hour);
  }));

test('time skipping runs a 10-day timer in 3-day segments, each with its own id', () =>
  withHost({ timeSkipping: true }, async (host) => {
    const id = await host.start('timerThenTime', { delayMs: 10 * day });
    const status = (await host.waitForStatus(id, ['Completed'], 10_000)) as {
      output: { started: number; woke: number };
    };
    assert.equal(status.output.woke - status.output.started, 10 * day);
    const history = await host.history(id);
    const created = history.historyEvents
      .filter((e) => e.EventType === 'TimerCreated')
      .map((e) => [e.EventId, Date.parse(String(e.FireAt)) - start]);
    assert.deepEqual(created, [
      [0, 3 * day],
      [1, 6 * day],
      [2, 10 * day],
    ]);
  }));

test('time skipping stops at `until`: an event can still win the race against a timer', () =>
  withHost({ timeSkipping: { until: start + 30 * 60_000 } }, async (host, clock) => {
    const id = await host.start('eventOrTimeout');
    await host.waitForIdle();
    assert.equal(clock.now(), start, 'the 1-hour timer lies beyond `until`, so the clock did not move');
    const raised = await host.post(`/api/client/raise/${id}`, { event: 'go', input: { fast: true } });
    assert.equal(raised.body?.ok, true);
    const status = (await host.waitForStatus(id, ['Completed'], 5000)) as { output: unknown };
    assert.deepEqual(status.output, { via: 'event', value: { fast: true } });
  }));

test('with unbounded time skipping the timeout wins when no event comes', () =>
  withHost({ timeSkipping: true }, async (host, clock) => {
    const id = await host.start('eventOrTimeout');
    const status = (await host.waitForStatus(id, ['Completed'], 5000)) as { output: unknown };
    assert.deepEqual(status.output, { via: 'timeout' });
    assert.equal(clock.now(), start + hour);
  }));

test('a deadline timer raced in a loop keeps its id (re-yielded tasks are not scheduled twice)', () =>
  withHost({}, async (host, clock) => {
    const id = await host.start('ticksUntilDeadline');
    for (const n of [1, 2, 3]) {
      await host.waitForIdle();
      assert.equal((await host.post(`/api/client/raise/${id}`, { event: 'tick', input: n })).body?.ok, true);
    }
    await host.waitForIdle();
    clock.advance(hour);
    const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 5000)) as { output: unknown };
    assert.deepEqual(status.output, { seen: [2, 4, 6], after: 200 });
    const history = await host.history(id);
    const timers = history.historyEvents.filter((e) => e.EventType === 'TimerCreated');
    assert.equal(timers.length, 1);
  }));
