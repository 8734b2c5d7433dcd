import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyCorrelationState, MAX_NESTING } from '../../src/alerts';
import { correlateBlob, correlateWindow, releasedVerdicts } from './fixtures/correlation';
import { selectedBlob, submissionInvestigation, userReportedAlert } from './fixtures/records';

function inv(id: string, status: string, time: string, investigationId = 'I1', alertId = 'A1') {
  return submissionInvestigation({
    id,
    investigationId,
    status,
    providerAlertId: alertId,
    creationTime: time,
  });
}

describe('verdicts carried by released alerts', () => {
  it('Pending Action then Remediated, both known before the alert is listed: the row says Remediated', () => {
    const w1 = selectedBlob(
      [inv('v1', 'Pending Action', '2026-01-28T10:10:00'), inv('v2', 'Remediated', '2026-01-28T10:40:00')],
      '2026-01-28T10:50:00Z',
    );
    let r = correlateWindow(emptyCorrelationState(), [w1], '2026-01-28T11:00:00Z');
    r = correlateBlob(
      r.state,
      [userReportedAlert('a1', 'A1')],
      '2026-01-28T11:05:00Z',
      '2026-01-28T12:00:00Z',
    );
    assert.deepEqual(releasedVerdicts(r), [['a1', 'Remediated']]);
    assert.equal(r.counts.releasedAlerts, 1);
  });

  it('LastUpdateTimeUtc orders updates before CreationTime does', () => {
    const older = submissionInvestigation({
      id: 'v1',
      investigationId: 'I1',
      status: 'Remediated',
      providerAlertId: 'A1',
      creationTime: '2026-01-28T10:50:00',
      lastUpdateTime: '2026-01-28T10:20:00',
    });
    const newer = submissionInvestigation({
      id: 'v2',
      investigationId: 'I1',
      status: 'Threats Found',
      providerAlertId: 'A1',
      creationTime: '2026-01-28T10:30:00',
      lastUpdateTime: '2026-01-28T10:45:00',
    });
    const r = correlateBlob(
      emptyCorrelationState(),
      [older, newer, userReportedAlert('a1', 'A1')],
      '2026-01-28T10:55:00Z',
      '2026-01-28T11:00:00Z',
    );
    assert.equal(r.released[0].AirVerdict, 'Threats Found');
  });

  for (const terminal of [
    'Failed',
    'Terminated by System',
    'Terminated by throttling',
    'Terminated By User',
  ]) {
    it(`an investigation that ends "${terminal}" without a verdict releases its alert with that status`, () => {
      const s = selectedBlob(
        [
          userReportedAlert('a1', 'A1'),
          inv('run', 'Running', '2026-01-28T10:10:00'),
          inv('end', terminal, '2026-01-28T10:40:00'),
        ],
        '2026-01-28T10:50:00Z',
      );
      assert.deepEqual(
        s.rows.map((x) => [x.Id, x.Status]),
        [['end', terminal]],
        'the terminal update is selected as a row',
      );
      const r = correlateWindow(emptyCorrelationState(), [s], '2026-01-28T11:00:00Z');
      assert.deepEqual(releasedVerdicts(r), [['a1', terminal]]);
      assert.deepEqual(r.counts.earlierUpdatesSkipped, 1, 'Running before selection is not ingested');
      assert.deepEqual(r.state.pending, {});
    });
  }

  it('a verdict beats a later terminal status: Pending Action then Terminated By User releases the alert with Pending Action', () => {
    const s = selectedBlob(
      [
        inv('v1', 'Pending Action', '2026-01-28T10:10:00'),
        inv('v2', 'Terminated By User', '2026-01-28T10:40:00'),
        userReportedAlert('a1', 'A1'),
      ],
      '2026-01-28T10:50:00Z',
    );
    assert.deepEqual(
      s.rows.map((x) => [x.Id, x.Status]),
      [
        ['v1', 'Pending Action'],
        ['v2', 'Terminated By User'],
      ],
      'both updates are rows: the investigation latest state is the terminal one',
    );
    const r = correlateWindow(emptyCorrelationState(), [s], '2026-01-28T11:00:00Z');
    assert.deepEqual(releasedVerdicts(r), [['a1', 'Pending Action']]);
  });

  it('statuses compare case-insensitively and trimmed: " no THREATS found " is a verdict', () => {
    const s = selectedBlob([inv('v1', ' no THREATS found ', '2026-01-28T10:10:00')], '2026-01-28T10:50:00Z');
    assert.equal(s.rows.length, 1);
    assert.equal(s.rows[0].Status, ' no THREATS found ', 'the status is kept as received');
    assert.equal(s.unknownStatuses, 0);
  });
});

describe('follow-up updates of a selected investigation', () => {
  it('every update after the first selected one is ingested whatever its status; earlier ones are not', () => {
    const w1 = selectedBlob(
      [inv('u0', 'Running', '2026-01-28T10:05:00'), inv('u1', 'Pending Action', '2026-01-28T10:20:00')],
      '2026-01-28T10:50:00Z',
    );
    assert.deepEqual(
      w1.rows.map((x) => x.Id),
      ['u1'],
    );
    let r = correlateWindow(emptyCorrelationState(), [w1], '2026-01-28T11:00:00Z');
    assert.deepEqual(r.released, []);
    assert.equal(r.counts.earlierUpdatesSkipped, 1);

    const w2 = selectedBlob(
      [
        inv('u2', 'Running', '2026-01-28T11:10:00'),
        inv('u3', 'Partially Investigated', '2026-01-28T11:20:00'),
      ],
      '2026-01-28T11:50:00Z',
    );
    assert.equal(w2.unknownStatuses, 1, 'a status AIR does not document is counted');
    r = correlateWindow(r.state, [w2], '2026-01-28T12:00:00Z');
    assert.deepEqual(
      r.released.map((x) => [x.Id, x.Status, x.AirVerdict]),
      [
        ['u2', 'Running', 'Running'],
        ['u3', 'Partially Investigated', 'Partially Investigated'],
      ],
    );
    assert.deepEqual(r.counts, {
      releasedAlerts: 0,
      investigationUpdates: 2,
      unknownStatusUpdates: 1,
      earlierUpdatesSkipped: 0,
      expiredUpdates: 0,
      quarantinedUpdates: 0,
    });
    assert.deepEqual(r.state.followUps, {});
    const data = r.released[0].Data as Record<string, unknown>;
    assert.equal(data.ProviderAlertId, 'A1', 'a released follow-up carries Data as an object, like any row');
  });

  it('a follow-up seen before its investigation is selected waits, then is ingested when it comes later', () => {
    const late = selectedBlob([inv('u2', 'Running', '2026-01-28T10:40:00')], '2026-01-28T10:50:00Z');
    let r = correlateWindow(emptyCorrelationState(), [late], '2026-01-28T11:00:00Z');
    assert.deepEqual(Object.keys(r.state.followUps ?? {}), ['I1']);
    r = correlateBlob(
      r.state,
      [inv('u1', 'Pending Action', '2026-01-28T10:20:00')],
      '2026-01-28T11:50:00Z',
      '2026-01-28T12:00:00Z',
    );
    assert.deepEqual(
      r.released.map((x) => x.Id),
      ['u2'],
    );
  });

  it('follow-ups of an investigation never selected leave the state after the hold, counted', () => {
    let r = correlateBlob(
      emptyCorrelationState(),
      [inv('u0', 'Running', '2026-01-28T10:05:00', 'I9', 'A9')],
      '2026-01-28T10:50:00Z',
      '2026-01-28T11:00:00Z',
      2,
    );
    r = correlateWindow(r.state, [], '2026-01-28T12:05:00Z', 2);
    assert.equal(r.counts.expiredUpdates, 0, 'still within the hold');
    r = correlateWindow(r.state, [], '2026-01-28T12:05:01Z', 2);
    assert.equal(r.counts.expiredUpdates, 1);
    assert.deepEqual(r.state.followUps, {});
  });

  it('a follow-up whose Data nests too deep is not released, and is counted', () => {
    const deep = inv('u2', 'Running', '2026-01-28T11:10:00');
    deep.Data = `{"ProviderAlertId":"A1","Deep":${'['.repeat(MAX_NESTING + 5)}${']'.repeat(MAX_NESTING + 5)}}`;
    const r = correlateBlob(
      emptyCorrelationState(),
      [inv('u1', 'Pending Action', '2026-01-28T10:20:00'), deep],
      '2026-01-28T11:50:00Z',
      '2026-01-28T12:00:00Z',
    );
    assert.deepEqual(r.released, []);
    assert.equal(r.counts.quarantinedUpdates, 1);
    assert.doesNotThrow(() => JSON.stringify(r.state));
  });
});
