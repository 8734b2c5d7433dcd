import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clampWindow,
  formatApiTime,
  InvalidWindowError,
  MAX_WINDOW_MS,
  parseStrictUtc,
  RETENTION_MS,
  validateWindow,
} from '../../src/o365';
import { parseDateHeader, parseRetryAfter } from '../../src/o365/dates';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const H = 3_600_000;

describe('window rules', () => {
  it('formats times as YYYY-MM-DDTHH:MM:SS UTC', () => {
    assert.equal(formatApiTime(Date.parse('2026-03-10T08:05:09.999Z')), '2026-03-10T08:05:09');
  });

  it('accepts a 24-hour window and reads zone-less times as UTC', () => {
    const w = validateWindow({ start: '2026-03-09T10:00:00', end: '2026-03-10T10:00:00' }, NOW, 30);
    assert.equal(w.startMs, Date.parse('2026-03-09T10:00:00Z'));
    assert.equal(w.endMs - w.startMs, MAX_WINDOW_MS);
  });

  it('accepts Date objects and floors both ends to whole seconds so adjacent windows stay adjacent', () => {
    const a = validateWindow({ start: new Date(NOW - 2 * H + 400), end: new Date(NOW - H + 700) }, NOW, 30);
    const b = validateWindow({ start: new Date(NOW - H + 700), end: new Date(NOW) }, NOW, 30);
    assert.equal(a.endMs, b.startMs);
    assert.equal(a.startMs % 1000, 0);
  });

  it('rejects a window longer than 24 hours', () => {
    assert.throws(
      () => validateWindow({ start: new Date(NOW - 25 * H), end: new Date(NOW) }, NOW, 30),
      (e: unknown) => e instanceof InvalidWindowError && /longer than 24 hours/.test(e.message),
    );
  });

  it('rejects an empty or reversed window', () => {
    assert.throws(
      () => validateWindow({ start: new Date(NOW), end: new Date(NOW) }, NOW, 30),
      /after its start/,
    );
    assert.throws(
      () => validateWindow({ start: new Date(NOW), end: new Date(NOW - H) }, NOW, 30),
      /after its start/,
    );
  });

  it('rejects a start 8 days back and one inside the margin, accepts one just inside', () => {
    const edge = NOW - RETENTION_MS;
    assert.throws(
      () =>
        validateWindow({ start: new Date(NOW - 8 * 24 * H), end: new Date(NOW - 8 * 24 * H + H) }, NOW, 30),
      /outside the 7-day retention/,
    );
    assert.throws(
      () => validateWindow({ start: new Date(edge + 29 * 60_000), end: new Date(edge + 2 * H) }, NOW, 30),
      /outside the 7-day retention/,
    );
    const ok = validateWindow({ start: new Date(edge + 30 * 60_000), end: new Date(edge + 2 * H) }, NOW, 30);
    assert.equal(ok.startMs, edge + 30 * 60_000);
  });

  it('rejects unreadable times with the field named', () => {
    assert.throws(() => validateWindow({ start: 'yesterday', end: new Date(NOW) }, NOW, 30), /window start/);
    assert.throws(() => validateWindow({ start: new Date(NOW - H), end: 'nope' }, NOW, 30), /window end/);
  });

  it('clamps a window to the retention edge of the server clock, or reports nothing left', () => {
    const edge = NOW - RETENTION_MS + 30 * 60_000;
    const clamped = clampWindow({ startMs: edge - H, endMs: edge + H }, NOW, 30);
    assert.deepEqual(clamped, { startMs: edge, endMs: edge + H });
    assert.equal(clampWindow({ startMs: edge - 2 * H, endMs: edge - H }, NOW, 30), undefined);
  });
});

describe('headers', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('3', NOW), 3000);
    assert.equal(parseRetryAfter(new Date(NOW + 5000).toUTCString(), NOW), 5000);
    assert.equal(parseRetryAfter(null, NOW), undefined);
    assert.equal(parseRetryAfter('soon', NOW), undefined);
  });

  it('reads the Date header', () => {
    assert.equal(parseDateHeader('Tue, 10 Mar 2026 12:00:00 GMT'), NOW);
    assert.equal(parseDateHeader('garbage'), undefined);
  });
});

describe('strict ISO 8601 times', () => {
  it('reads the forms the API and callers use, zone-less as UTC', () => {
    assert.equal(parseStrictUtc('2026-03-10T08:05:09'), Date.parse('2026-03-10T08:05:09Z'));
    assert.equal(parseStrictUtc('2026-03-10T08:05:09.1234567Z'), Date.parse('2026-03-10T08:05:09.123Z'));
    assert.equal(parseStrictUtc('2026-03-10T10:05:09+02:00'), Date.parse('2026-03-10T08:05:09Z'));
    assert.equal(parseStrictUtc('2026-03-10'), Date.parse('2026-03-10T00:00:00Z'));
  });

  it('refuses impossible calendar dates and clock times, and other shapes', () => {
    for (const bad of [
      '2024-13-45T99:99:99',
      '2026-02-30T00:00:00Z',
      '2026-03-10T25:00:00Z',
      '2026-W10-2',
      '2026-069',
      'March 10, 2026',
      '',
    ]) {
      assert.equal(parseStrictUtc(bad), undefined, bad);
    }
  });

  it('a window with an impossible time is an InvalidWindowError, never NaN arithmetic', () => {
    assert.throws(
      () => validateWindow({ start: '2024-13-45T99:99:99', end: '2026-03-10T10:00:00' }, NOW, 30),
      (e: unknown) => e instanceof InvalidWindowError && /window start is not a valid time/.test(e.message),
    );
  });

  it('the API limits are the documented 24 hours and 7 days', () => {
    assert.equal(MAX_WINDOW_MS, 24 * H);
    assert.equal(RETENTION_MS, 7 * 24 * H);
  });
});
