import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { correlate, emptyCorrelationState } from '../../src/alerts';
import { correlateBlob, correlateWindow, HOLD_HOURS, releasedVerdicts } from './fixtures/correlation';
import { selectedBlob, storedState, submissionInvestigation, userReportedAlert } from './fixtures/records';

describe('correlate', () => {
  it('releases an alert when its investigation is processed two windows later, with the verdict', () => {
    const w1 = selectedBlob([userReportedAlert('alert-rec-1', 'A1')], '2026-01-28T10:05:00Z');
    let r = correlateWindow(emptyCorrelationState(), [w1], '2026-01-28T11:00:00Z');
    assert.deepEqual(r.released, []);
    assert.deepEqual(Object.keys(r.state.pending), ['A1']);

    const running = submissionInvestigation({
      id: 'inv-1',
      investigationId: 'I1',
      status: 'Running',
      providerAlertId: 'A1',
    });
    const w2 = selectedBlob([running], '2026-01-28T11:05:00Z');
    r = correlateWindow(r.state, [w2], '2026-01-28T12:00:00Z');
    assert.deepEqual(r.released, [], 'a Running investigation is not a verdict');

    const done = submissionInvestigation({
      id: 'inv-2',
      investigationId: 'I1',
      status: 'Threats Found',
      providerAlertId: 'A1',
      creationTime: '2026-01-28T12:10:00',
    });
    const w3 = selectedBlob([done], '2026-01-28T12:15:00Z');
    r = correlateWindow(r.state, [w3], '2026-01-28T13:00:00Z');
    assert.equal(r.released.length, 1);
    assert.equal(r.released[0].Id, 'alert-rec-1');
    assert.equal(r.released[0].AirInvestigationId, 'I1');
    assert.equal(r.released[0].AirVerdict, 'Threats Found');
    assert.deepEqual(r.state.pending, {});
    assert.deepEqual(r.expired, []);
  });

  it('releases an alert whose investigation was seen first, including via action RelatedAlertIds', () => {
    const inv = submissionInvestigation({
      id: 'inv-1',
      investigationId: 'I1',
      status: 'Remediated',
      providerAlertId: 'other',
      actionAlertIds: ['A2'],
    });
    let r = correlateBlob(emptyCorrelationState(), [inv], '2026-01-28T10:05:00Z', '2026-01-28T11:00:00Z');
    assert.deepEqual(r.released, []);
    assert.ok(r.state.verdicts['inv-1']);

    r = correlateBlob(
      r.state,
      [userReportedAlert('alert-rec-2', 'A2')],
      '2026-01-28T11:05:00Z',
      '2026-01-28T12:00:00Z',
    );
    assert.deepEqual(releasedVerdicts(r), [['alert-rec-2', 'Remediated']]);
    // A later update record of the same alert is released at once from the kept verdict.
    const updated = { ...userReportedAlert('alert-rec-3', 'A2'), Operation: 'AlertUpdated' };
    r = correlateBlob(r.state, [updated], '2026-01-28T12:05:00Z', '2026-01-28T13:00:00Z');
    assert.deepEqual(
      r.released.map((row) => row.Id),
      ['alert-rec-3'],
    );
  });

  it('releases the alert and its investigation from the same blob', () => {
    const b = selectedBlob(
      [
        userReportedAlert('a', 'A3'),
        submissionInvestigation({
          id: 'i',
          investigationId: 'I3',
          status: 'No threats found',
          providerAlertId: 'A3',
        }),
      ],
      '2026-01-28T10:05:00Z',
    );
    const r = correlateWindow(emptyCorrelationState(), [b], '2026-01-28T11:00:00Z');
    assert.equal(r.released.length, 1);
    assert.equal(b.rows.length, 1, 'the investigation itself is a row now');
  });

  it('expires alerts that waited longer than the hold and reports them', () => {
    let r = correlateBlob(
      emptyCorrelationState(),
      [userReportedAlert('old', 'A4')],
      '2026-01-28T10:00:00Z',
      '2026-01-28T11:00:00Z',
      2,
    );
    r = correlateBlob(
      r.state,
      [userReportedAlert('new', 'A5')],
      '2026-01-28T11:30:00Z',
      '2026-01-28T12:00:00Z',
      2,
    );
    assert.deepEqual(r.expired, [], 'exactly at the hold is still waiting');
    r = correlateWindow(r.state, [], '2026-01-28T12:00:01Z', 2);
    assert.deepEqual(
      r.expired.map((p) => p.row.Id),
      ['old'],
    );
    assert.deepEqual(Object.keys(r.state.pending), ['A5']);
  });

  it('a released alert carries the latest verdict known at release (LastUpdateTimeUtc, then CreationTime, then record id)', () => {
    const late = submissionInvestigation({
      id: 'r-late',
      investigationId: 'I6',
      status: 'Remediated',
      providerAlertId: 'A6',
      creationTime: '2026-01-28T12:00:00',
    });
    const early = submissionInvestigation({
      id: 'r-early',
      investigationId: 'I6',
      status: 'Pending Action',
      providerAlertId: 'A6',
      creationTime: '2026-01-28T11:00:00',
    });
    const alert = userReportedAlert('a6', 'A6');
    // Arrival order does not matter when both are known.
    for (const order of [
      [late, early],
      [early, late],
    ]) {
      const r = correlateWindow(
        emptyCorrelationState(),
        [selectedBlob([alert], '2026-01-28T10:05:00Z'), selectedBlob(order, '2026-01-28T12:05:00Z')],
        '2026-01-28T13:00:00Z',
      );
      assert.equal(r.released[0].AirVerdict, 'Remediated');
    }
    const tieB = submissionInvestigation({
      id: 'r-b',
      investigationId: 'I7b',
      status: 'Remediated',
      providerAlertId: 'A7',
      creationTime: '2026-01-28T11:00:00',
    });
    const tieA = submissionInvestigation({
      id: 'r-a',
      investigationId: 'I7a',
      status: 'Threats Found',
      providerAlertId: 'A7',
      creationTime: '2026-01-28T11:00:00.000Z',
    });
    const r = correlateBlob(
      emptyCorrelationState(),
      [tieB, tieA, userReportedAlert('a7', 'A7')],
      '2026-01-28T11:05:00Z',
      '2026-01-28T12:00:00Z',
    );
    assert.deepEqual([r.released[0].AirInvestigationId, r.released[0].AirVerdict], ['I7b', 'Remediated']);
  });

  it('keeps one pending entry per record, prunes verdicts after 7 days and never mutates its input', () => {
    const alert = userReportedAlert('dup', 'A8');
    const state0 = emptyCorrelationState();
    const r1 = correlate(
      state0,
      [selectedBlob([alert], '2026-01-28T10:05:00Z'), selectedBlob([alert], '2026-01-28T10:20:00Z')],
      '2026-01-28T11:00:00Z',
      HOLD_HOURS,
    );
    assert.equal(r1.state.pending.A8.length, 1);
    assert.equal(r1.state.pending.A8[0].firstSeen, '2026-01-28T10:05:00Z');
    assert.deepEqual(state0, emptyCorrelationState());

    const inv = submissionInvestigation({
      id: 'v',
      investigationId: 'I9',
      status: 'Remediated',
      providerAlertId: 'A9',
      creationTime: '2026-01-20T00:00:00',
    });
    const r2 = correlateBlob(emptyCorrelationState(), [inv], '2026-01-20T00:05:00Z', '2026-01-26T23:00:00Z');
    assert.ok(r2.state.verdicts.v);
    const before = storedState(r2.state);
    const r3 = correlate(r2.state, [], '2026-01-27T00:00:01Z', HOLD_HOURS);
    assert.deepEqual(r3.state.verdicts, {});
    assert.deepEqual(r2.state, before);
  });

  it('rejects a bad clock or hold', () => {
    assert.throws(() => correlate(emptyCorrelationState(), [], 'now', HOLD_HOURS), /nowIso/);
    assert.throws(() => correlate(emptyCorrelationState(), [], '2026-01-28T00:00:00Z', 0), /holdHours/);
  });
});

describe('correlate, whatever the arrival order', () => {
  /** Seeded so a failure reproduces. */
  function rng(seed: number): () => number {
    let x = seed;
    return () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648;
    };
  }

  it('releases each alert once, in the window both sides are known, with the latest verdict known then', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rnd = rng(seed);
      const windows: Record<string, unknown>[][] = [[], [], [], [], []];
      const windowOf = new Map<string, number>();
      const place = (key: string, rec: Record<string, unknown>): void => {
        const w = Math.floor(rnd() * windows.length);
        windows[w].push(rec);
        windowOf.set(key, w);
      };
      for (let i = 0; i < 12; i++) {
        place(`alert-${i}`, userReportedAlert(`alert-${i}`, `A${i}`));
        // Alerts 0..9 get two processed updates; 10 and 11 never get a verdict.
        if (i < 10) {
          const inv = { investigationId: `I${i}`, providerAlertId: `A${i}` };
          place(
            `late-${i}`,
            submissionInvestigation({
              ...inv,
              id: `late-${i}`,
              status: 'Remediated',
              creationTime: '2026-01-28T13:00:00',
            }),
          );
          place(
            `early-${i}`,
            submissionInvestigation({
              ...inv,
              id: `early-${i}`,
              status: 'Pending Action',
              creationTime: '2026-01-28T12:00:00',
            }),
          );
        }
      }
      let state = emptyCorrelationState();
      const releasedAt = new Map<string, { window: number; verdict: unknown }>();
      windows.forEach((w, k) => {
        const hour = String(10 + k).padStart(2, '0');
        const r = correlateBlob(state, w, `2026-01-28T${hour}:05:00Z`, `2026-01-28T${hour}:59:00Z`);
        state = r.state;
        assert.deepEqual(r.expired, []);
        for (const row of r.released) {
          assert.ok(!releasedAt.has(row.Id as string), `seed ${seed}: ${row.Id} released twice`);
          releasedAt.set(row.Id as string, { window: k, verdict: row.AirVerdict });
        }
      });
      assert.deepEqual(Object.keys(state.pending).sort(), ['A10', 'A11'], `seed ${seed}`);
      for (let i = 0; i < 10; i++) {
        const firstVerdict = Math.min(windowOf.get(`late-${i}`)!, windowOf.get(`early-${i}`)!);
        const releaseWindow = Math.max(windowOf.get(`alert-${i}`)!, firstVerdict);
        const expected = windowOf.get(`late-${i}`)! <= releaseWindow ? 'Remediated' : 'Pending Action';
        assert.deepEqual(
          releasedAt.get(`alert-${i}`),
          { window: releaseWindow, verdict: expected },
          `seed ${seed}, alert ${i}`,
        );
      }
    }
  });
});
