import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuditRecord, recordProblem, toUtcIso } from '../../src/alerts';
import { sampleRecords } from './fixtures/records';

describe('record model on the public samples', () => {
  it('reads the SecurityComplianceAlerts sample (RecordType as a string, zone-less times, Data string)', () => {
    const records = sampleRecords('security_compliance_alerts_elastic.json').map((r) => parseAuditRecord(r));
    assert.equal(records.length, 3);
    for (const r of records) {
      assert.equal(r.kind, 'SecurityComplianceAlert');
      assert.equal(r.recordType, 40);
      assert.ok(r.creationTime.endsWith('Z'));
      assert.equal(typeof r.data, 'object');
      assert.equal(r.dataParseError, undefined);
    }
    const phish = records[2];
    assert.ok(phish.kind === 'SecurityComplianceAlert');
    assert.equal(phish.name, 'Email reported by user as malware or phish');
    assert.equal(phish.alertId, 'aaaa01b-bbbb-cccc-dddd-eeeea276218e');
    assert.equal(phish.creationTime, '2025-06-03T08:10:44Z');
    assert.equal((phish.data as Record<string, unknown>).op, 'UserSubmission');
  });

  it('reads the AirInvestigation sample: actions, trigger alert name and referenced alert ids', () => {
    const [url, zapped, submission] = sampleRecords('air_investigation_elastic.json').map((r) =>
      parseAuditRecord(r),
    );
    assert.ok(url.kind === 'AirInvestigation' && zapped.kind === 'AirInvestigation');
    assert.ok(submission.kind === 'AirInvestigation');
    assert.equal(url.status, 'Pending Action');
    assert.equal(url.actions.length, 1);
    assert.equal(url.actions[0].ActionStatus, 'Pending');
    assert.deepEqual(url.relatedAlertIds, ['dddddddd-cccc-eeee-aaaa-bbbbbbbbbbbb']);
    assert.equal(zapped.investigationType, 'ZappedEmailInvestigation');
    assert.equal(submission.investigationType, 'SubmissionInvestigation');
    assert.equal(submission.status, 'Running');
    assert.equal(submission.alertDisplayName, 'Email reported by user as malware or phish');
    assert.equal(submission.actions.length, 0);
    assert.equal(submission.investigationId, 'urn:SubmissionInvestigation:abcdef1234567890abcdef1234567890');
  });

  it('collects alert ids from Data.ProviderAlertId and every action, without repeats', () => {
    const base = sampleRecords('air_investigation_elastic.json')[0];
    const r = parseAuditRecord({
      ...base,
      Actions: [
        { ActionId: 'a1', RelatedAlertIds: ['x', 'dddddddd-cccc-eeee-aaaa-bbbbbbbbbbbb'] },
        // Actions as JSON strings, as in Microsoft's 2019 sample record.
        JSON.stringify({ ActionId: 'a2', RelatedAlertIds: ['y', 'x'] }),
      ],
    });
    assert.ok(r.kind === 'AirInvestigation');
    assert.deepEqual(r.relatedAlertIds, ['dddddddd-cccc-eeee-aaaa-bbbbbbbbbbbb', 'x', 'y']);
    assert.equal(r.actions[1].ActionId, 'a2');
  });

  it('keeps Data that is not JSON as the string and says why', () => {
    const base = sampleRecords('security_compliance_alerts_elastic.json')[0];
    const r = parseAuditRecord({ ...base, Data: '{"etype":"User",' });
    assert.equal(r.data, '{"etype":"User",');
    assert.match(r.dataParseError ?? '', /Data is not valid JSON/);
  });

  it('names what makes a value unusable as a record', () => {
    assert.match(recordProblem([1]) ?? '', /not a JSON object/);
    assert.match(recordProblem({ RecordType: 40 }) ?? '', /no Id/);
    assert.match(
      recordProblem({ Id: 'x', RecordType: 'forty', CreationTime: '2026-01-01T00:00:00' }) ?? '',
      /RecordType "forty"/,
    );
    assert.match(
      recordProblem({ Id: 'x', RecordType: 40, CreationTime: 'soon' }) ?? '',
      /CreationTime "soon"/,
    );
    assert.equal(
      recordProblem({ Id: 'x', RecordType: '64', CreationTime: '2026-01-01T00:00:00' }),
      undefined,
    );
    assert.throws(() => parseAuditRecord({ Id: 'x' }), /RecordType/);
  });
});

describe('toUtcIso', () => {
  it('treats zone-less times as UTC and keeps sub-second digits', () => {
    assert.equal(toUtcIso('2015-06-29T20:03:19'), '2015-06-29T20:03:19Z');
    assert.equal(toUtcIso('2023-12-31T23:59:59.0000000Z'), '2023-12-31T23:59:59.0000000Z');
    assert.equal(toUtcIso('2023-12-31T23:59:59.123'), '2023-12-31T23:59:59.123Z');
    assert.equal(toUtcIso('2023-12-31 23:59:59'), '2023-12-31T23:59:59Z');
  });
  it('converts offsets to Z and rejects non-times', () => {
    assert.equal(toUtcIso('2024-01-01T01:00:00+02:00'), '2023-12-31T23:00:00.000Z');
    assert.equal(toUtcIso('2023-12-31T23:59:59.z'), null);
    assert.equal(toUtcIso('not a time'), null);
    assert.equal(toUtcIso(1700000000), null);
    assert.equal(toUtcIso(undefined), null);
  });
});
