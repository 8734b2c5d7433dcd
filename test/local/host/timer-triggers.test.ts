import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import { parseSchedule } from '../../../local/host/ncrontab';
import { fixture, startTestHost, type TestHost } from '../../harness/host-helpers';

const state = mkdtempSync(join(tmpdir(), 'local-host-timers-'));
after(() => rmSync(state, { recursive: true, force: true }));

async function ticks(host: TestHost): Promise<{ input: { isPastDue: boolean }; runtimeStatus: string }[]> {
  const res = await fetch(`${host.rpcBaseUrl}instances/?showInput=true`);
  return (await res.json()) as { input: { isPastDue: boolean }; runtimeStatus: string }[];
}

test('NCRONTAB schedules: six and five fields, steps, ranges, names, and TimeSpan intervals', () => {
  const t0 = Date.parse('2026-01-01T00:00:30Z');
  const every5 = parseSchedule('0 */5 * * * *');
  assert.equal(new Date(every5.next(t0)).toISOString(), '2026-01-01T00:05:00.000Z');
  assert.equal(
    new Date(every5.next(Date.parse('2026-01-01T00:05:00Z'))).toISOString(),
    '2026-01-01T00:10:00.000Z',
  );
  const weekdays9 = parseSchedule('0 30 9 * * Mon-Fri'); // 2026-01-01 is a Thursday
  assert.equal(new Date(weekdays9.next(t0)).toISOString(), '2026-01-01T09:30:00.000Z');
  assert.equal(
    new Date(weekdays9.next(Date.parse('2026-01-02T10:00:00Z'))).toISOString(),
    '2026-01-05T09:30:00.000Z',
  );
  assert.equal(new Date(parseSchedule('15 * * * *').next(t0)).toISOString(), '2026-01-01T00:15:00.000Z');
  assert.equal(new Date(parseSchedule('0 0 0 1 Feb *').next(t0)).toISOString(), '2026-02-01T00:00:00.000Z');
  assert.equal(new Date(parseSchedule('00:10:00', t0).next(t0)).toISOString(), '2026-01-01T00:10:30.000Z');
  assert.throws(() => parseSchedule('0 61 * * * *'), /outside 0-59/);
});

test('a timer trigger fires on its schedule under the virtual clock, and a missed occurrence fires once at start', async () => {
  const clock = new VirtualClock('2026-01-01T00:00:30Z');
  let host = await startTestHost({ appEntry: fixture('timer-app.ts'), clock, stateDir: state });
  try {
    await host.waitForIdle();
    assert.equal((await ticks(host)).length, 0);
    for (let i = 0; i < 3; i++) {
      clock.advance(5 * 60_000);
      await host.waitForIdle();
    }
    const fired = await ticks(host);
    assert.equal(fired.length, 3);
    assert.ok(fired.every((t) => t.input.isPastDue === false && t.runtimeStatus === 'Completed'));
  } finally {
    await host.close();
  }
  // Down for ten minutes: on restart the missed occurrence fires once, marked past due.
  clock.advance(10 * 60_000);
  host = await startTestHost({ appEntry: fixture('timer-app.ts'), clock, stateDir: state });
  try {
    await host.waitForIdle();
    const fired = await ticks(host);
    assert.equal(fired.length, 4);
    assert.equal(fired.filter((t) => t.input.isPastDue).length, 1);
  } finally {
    await host.close();
  }
});

test('time skipping fires timer triggers up to `until`', async () => {
  const clock = new VirtualClock('2026-01-01T00:00:30Z');
  const host = await startTestHost({
    appEntry: fixture('timer-app.ts'),
    clock,
    timeSkipping: { until: Date.parse('2026-01-01T01:00:00Z') },
  });
  try {
    await host.waitForIdle();
    assert.equal(clock.now(), Date.parse('2026-01-01T01:00:00Z'));
    assert.equal((await ticks(host)).length, 12);
  } finally {
    await host.dispose();
  }
});
