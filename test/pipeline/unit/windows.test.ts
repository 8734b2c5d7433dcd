import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HOUR_MS,
  MINUTE_MS,
  RETENTION_MS,
  initialStart,
  nextWindow,
  retentionFloor,
  listingSlices,
  retryDelayMs,
  rewindRangeProblem,
  splitRange,
  windowInstanceId,
} from '../../../src/pipeline/windows';

const settings = { windowMinutes: 60, settleMinutes: 5, relistOverlapMinutes: 120 };
const now = Date.parse('2026-03-10T12:34:56.789Z');

describe('initialStart', () => {
  it('defaults to one window before the settled now, on a whole second', () => {
    assert.equal(initialStart(now, settings), Date.parse('2026-03-10T11:29:56.000Z'));
  });
  it('uses the configured start when given', () => {
    assert.equal(
      initialStart(now, settings, Date.parse('2026-03-09T00:00:00.500Z')),
      Date.parse('2026-03-09T00:00:00Z'),
    );
  });
});

describe('nextWindow', () => {
  it('gives a whole window of the configured length when behind', () => {
    const start = Date.parse('2026-03-10T08:00:00Z');
    const next = nextWindow(start, now, settings);
    assert.equal(next.kind, 'window');
    if (next.kind !== 'window') return;
    assert.deepEqual(next.window, { startMs: start, endMs: start + HOUR_MS });
    assert.equal(next.listFromMs, start - 2 * HOUR_MS, 're-lists the overlap before the window');
    assert.equal(next.dataLoss, undefined);
  });

  it('is caught up when the next window would end after now minus the settle delay', () => {
    const start = Date.parse('2026-03-10T11:30:00Z'); // ends 12:30, settled now is 12:29:56
    const next = nextWindow(start, now, settings);
    assert.equal(next.kind, 'caughtUp');
    if (next.kind !== 'caughtUp') return;
    assert.equal(next.wakeAtMs, Date.parse('2026-03-10T12:35:00Z'));
    assert.equal(next.nextStartMs, start);
  });

  it('processes the window once its end plus the settle delay has passed', () => {
    const start = Date.parse('2026-03-10T11:30:00Z');
    const next = nextWindow(start, Date.parse('2026-03-10T12:35:00Z'), settings);
    assert.equal(next.kind, 'window');
  });

  it('never lets a window exceed 24 hours', () => {
    assert.throws(
      () => nextWindow(now - 3 * 24 * HOUR_MS, now, { ...settings, windowMinutes: 1441 }),
      /1\.\.1440/,
    );
    const day = nextWindow(now - 3 * 24 * HOUR_MS, now, {
      ...settings,
      windowMinutes: 1440,
      relistOverlapMinutes: 1440,
    });
    assert.equal(day.kind, 'window');
    if (day.kind !== 'window') return;
    assert.equal(day.window.endMs - day.window.startMs, 24 * HOUR_MS);
    assert.equal(
      day.listFromMs,
      day.window.startMs - 24 * HOUR_MS,
      'the re-list overlap is kept whatever the window length',
    );
  });

  it('clamps a checkpoint older than retention and reports the gap as data loss', () => {
    const stale = now - 9 * 24 * HOUR_MS;
    const next = nextWindow(stale, now, settings);
    assert.equal(next.kind, 'window');
    if (next.kind !== 'window') return;
    const floor = retentionFloor(now);
    assert.ok(floor > now - RETENTION_MS, 'the floor keeps a margin inside retention');
    assert.equal(next.window.startMs, floor);
    assert.deepEqual(next.dataLoss, { startMs: Math.floor(stale / 1000) * 1000, endMs: floor });
    assert.ok(next.listFromMs >= floor, 'the re-list overlap is clamped too');
  });

  it('keeps the re-list overlap inside retention near the edge', () => {
    const start = retentionFloor(now) + 30 * MINUTE_MS;
    const next = nextWindow(start, now, settings);
    assert.equal(next.kind, 'window');
    if (next.kind !== 'window') return;
    assert.equal(next.listFromMs, retentionFloor(now));
    assert.equal(next.dataLoss, undefined);
  });
});

describe('splitRange', () => {
  it('covers the range exactly with windows of the configured length', () => {
    const from = Date.parse('2026-03-10T00:00:00Z');
    const windows = splitRange({ startMs: from, endMs: from + 150 * MINUTE_MS }, 60);
    assert.deepEqual(
      windows.map((w) => (w.endMs - w.startMs) / MINUTE_MS),
      [60, 60, 30],
    );
    assert.equal(windows[0].startMs, from);
    for (let i = 1; i < windows.length; i++) assert.equal(windows[i].startMs, windows[i - 1].endMs);
  });
});

describe('rewindRangeProblem', () => {
  it('accepts a past range inside retention', () => {
    assert.equal(
      rewindRangeProblem({ startMs: now - 3 * 24 * HOUR_MS, endMs: now - HOUR_MS }, now),
      undefined,
    );
  });
  it('rejects from >= to, a future end, and a start past retention', () => {
    assert.match(
      rewindRangeProblem({ startMs: now - HOUR_MS, endMs: now - HOUR_MS }, now) ?? '',
      /before "to"/,
    );
    assert.match(rewindRangeProblem({ startMs: now - HOUR_MS, endMs: now + HOUR_MS }, now) ?? '', /future/);
    assert.match(
      rewindRangeProblem({ startMs: now - 8 * 24 * HOUR_MS, endMs: now - HOUR_MS }, now) ?? '',
      /retention/,
    );
  });
});

describe('ids and backoff', () => {
  it('names window instances deterministically, with the attempt on retries', () => {
    const start = Date.parse('2026-03-10T08:00:00Z');
    assert.equal(
      windowInstanceId('o365-pipeline', 'Audit.General', start),
      'o365-pipeline-Audit.General-2026-03-10T08:00:00.000Z',
    );
    assert.equal(
      windowInstanceId('o365-pipeline', 'Audit.General', start, 3),
      'o365-pipeline-Audit.General-2026-03-10T08:00:00.000Z-retry3',
    );
  });
  it('doubles the retry delay up to an hour', () => {
    assert.deepEqual([1, 2, 3, 8].map(retryDelayMs), [MINUTE_MS, 2 * MINUTE_MS, 4 * MINUTE_MS, HOUR_MS]);
  });
});

describe('listingSlices', () => {
  it('cuts a listing range into calls of at most 24 hours that cover it exactly, oldest first', () => {
    const start = Date.parse('2026-03-01T00:00:00Z');
    const slices = listingSlices({ startMs: start, endMs: start + 50 * HOUR_MS });
    assert.deepEqual(
      slices.map((s) => [(s.startMs - start) / HOUR_MS, (s.endMs - start) / HOUR_MS]),
      [
        [0, 24],
        [24, 48],
        [48, 50],
      ],
    );
  });
  it('keeps a range within 24 hours as one call', () => {
    assert.equal(listingSlices({ startMs: 0, endMs: 3 * HOUR_MS }).length, 1);
  });
});
