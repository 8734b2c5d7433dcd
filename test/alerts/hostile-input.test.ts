import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { correlate, emptyCorrelationState, toUtcIso, type CorrelationState } from '../../src/alerts';
import { correlateBlob, correlateWindow, HOLD_HOURS, releasedVerdicts } from './fixtures/correlation';
import { selectedBlob, storedState, submissionInvestigation, userReportedAlert } from './fixtures/records';

const HOSTILE_IDS = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf'];

describe('ids that are Object.prototype names', () => {
  for (const id of HOSTILE_IDS) {
    it(`AlertId, InvestigationId and record Id "${id}" correlate like any other id, across a stored state`, () => {
      const w1 = selectedBlob([userReportedAlert(id, id)], '2026-01-28T10:05:00Z');
      assert.equal(w1.waitingAlerts.length, 1);
      let r = correlateWindow(emptyCorrelationState(), [w1], '2026-01-28T11:00:00Z');
      const text = JSON.stringify(r.state);
      assert.deepEqual(
        Object.keys(storedState(r.state).pending),
        [id],
        `the stored state keeps the key: ${text}`,
      );

      const investigation = submissionInvestigation({
        id: `${id}-update`,
        investigationId: id,
        status: 'Pending Action',
        providerAlertId: id,
        creationTime: '2026-01-28T11:10:00',
      });
      const follow = submissionInvestigation({
        id,
        investigationId: id,
        status: 'Running',
        providerAlertId: id,
        creationTime: '2026-01-28T11:20:00',
      });
      r = correlateBlob(r.state, [investigation, follow], '2026-01-28T11:30:00Z', '2026-01-28T12:00:00Z');
      assert.deepEqual(
        r.released.map((x) => [x.Id, x.AirInvestigationId, x.AirVerdict]),
        [
          [id, id, 'Pending Action'],
          [id, id, 'Running'],
        ],
      );
      assert.deepEqual(Object.keys(r.state.pending), []);
      assert.ok(Object.hasOwn(storedState(r.state).verdicts, `${id}-update`));
      // Nothing leaked onto Object.prototype.
      assert.equal(({} as Record<string, unknown>).alertId, undefined);
      assert.equal(Object.getPrototypeOf(r.state.pending), Object.prototype);
    });
  }

  it('a verdict whose record Id is "__proto__" is stored as a verdict, not as a prototype', () => {
    const s = selectedBlob(
      [
        submissionInvestigation({
          id: '__proto__',
          investigationId: 'I1',
          status: 'Remediated',
          providerAlertId: 'A1',
        }),
      ],
      '2026-01-28T10:50:00Z',
    );
    const r = correlateWindow(emptyCorrelationState(), [s], '2026-01-28T11:00:00Z');
    const back = storedState(r.state);
    assert.deepEqual(Object.keys(back.verdicts), ['__proto__']);
    const r2 = correlateBlob(
      back,
      [userReportedAlert('a', 'A1')],
      '2026-01-28T11:05:00Z',
      '2026-01-28T12:00:00Z',
    );
    assert.equal(r2.released[0].AirVerdict, 'Remediated');
  });
});

describe('state documents of the previous version', () => {
  it('a stored state without followUps and with verdicts without lastUpdateTime still correlates', () => {
    // The shape the previous version wrote: pending by AlertId, verdicts by record Id, no other keys.
    const previous = JSON.parse(
      JSON.stringify({
        pending: {
          A1: [
            {
              alertId: 'A1',
              firstSeen: '2026-01-28T10:05:00.000Z',
              row: selectedBlob([userReportedAlert('a1', 'A1')], '2026-01-28T10:05:00.000Z').waitingAlerts[0]
                .row,
            },
          ],
        },
        verdicts: {
          v0: {
            investigationId: 'I2',
            verdict: 'Threats Found',
            creationTime: '2026-01-28T09:00:00Z',
            recordId: 'v0',
            alertIds: ['A2'],
          },
        },
      }),
    ) as CorrelationState;
    const r = correlate(
      previous,
      [
        selectedBlob(
          [
            submissionInvestigation({
              id: 'v1',
              investigationId: 'I1',
              status: 'Remediated',
              providerAlertId: 'A1',
              creationTime: '2026-01-28T10:30:00',
            }),
            userReportedAlert('a2', 'A2'),
          ],
          '2026-01-28T10:50:00Z',
        ),
      ],
      '2026-01-28T11:00:00Z',
      HOLD_HOURS,
    );
    assert.deepEqual(releasedVerdicts(r), [
      ['a1', 'Remediated'],
      ['a2', 'Threats Found'],
    ]);
    // The written state is the same shape plus followUps, so the previous version could still read it.
    assert.deepEqual(Object.keys(r.state).sort(), ['followUps', 'pending', 'verdicts']);
  });
});

describe('strict dates', () => {
  const good = userReportedAlert('good', 'G1');
  const impossible = [
    '2024-13-45T99:99:99',
    '2023-02-29T00:00:00',
    '2024-02-30T10:00:00Z',
    '2024-04-31T10:00:00',
    '2024-01-01T24:00:00',
    '2024-01-01T10:60:00',
    '2024-02-30T01:00:00+02:00',
  ];

  it('toUtcIso rejects impossible calendar values and accepts real ones (29 Feb of a leap year, offsets)', () => {
    for (const t of impossible) assert.equal(toUtcIso(t), null, t);
    assert.equal(toUtcIso('2024-02-29T23:59:59'), '2024-02-29T23:59:59Z');
    assert.equal(toUtcIso('2000-02-29T00:00:00.1234567Z'), '2000-02-29T00:00:00.1234567Z');
    assert.equal(toUtcIso('2024-03-01T01:00:00+02:00'), '2024-02-29T23:00:00.000Z');
  });

  it('a record with an impossible CreationTime is quarantined with a reason and counted, the rest kept', () => {
    const records = [
      good,
      ...impossible.map((t, i) => ({ ...userReportedAlert(`bad-${i}`, `B${i}`), CreationTime: t })),
    ];
    const s = selectedBlob(records, '2026-01-28T10:05:00Z');
    assert.deepEqual(
      s.waitingAlerts.map((w) => w.row.Id),
      ['good'],
    );
    assert.equal(s.quarantined.length, impossible.length);
    for (const q of s.quarantined) assert.match(q.reason, /CreationTime ".*", not a valid date-time/);
  });

  for (const field of ['StartTimeUtc', 'LastUpdateTimeUtc', 'EndTimeUtc'] as const) {
    it(`a selected record whose ${field} is impossible is quarantined with a reason, never a NaN or a silent null`, () => {
      const rec = {
        ...submissionInvestigation({ id: 'r1', investigationId: 'I1', status: 'Remediated' }),
        [field]: '2024-02-30T10:00:00',
      };
      const fine = {
        ...submissionInvestigation({ id: 'r2', investigationId: 'I2', status: 'Remediated' }),
        [field]: '',
      };
      const s = selectedBlob([rec, fine], '2026-01-28T10:05:00Z');
      assert.deepEqual(
        s.rows.map((x) => x.Id),
        ['r2'],
        'an empty time is an absent one',
      );
      assert.equal(s.rows[0][field], null);
      assert.equal(s.quarantined.length, 1);
      assert.match(
        s.quarantined[0].reason,
        new RegExp(`record r1 has ${field} "2024-02-30T10:00:00", not a valid date-time`),
      );
      assert.deepEqual(
        s.verdicts.map((v) => v.recordId),
        ['r2'],
      );
    });
  }
});
