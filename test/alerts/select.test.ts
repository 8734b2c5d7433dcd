import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRuleSet, MalformedContentError, MAX_NESTING, selectFromContent } from '../../src/alerts';
import {
  provenance,
  sampleRecords,
  sampleText,
  submissionInvestigation,
  userReportedAlert,
} from './fixtures/records';

const defaults = loadRuleSet(undefined);

describe('selectFromContent with the default rules', () => {
  it('holds the user-reported alert of the alerts sample and drops the others', () => {
    const s = selectFromContent(
      sampleText('security_compliance_alerts_elastic.json'),
      defaults,
      provenance(),
    );
    assert.equal(s.recordsSeen, 3);
    assert.equal(s.dropped, 2);
    assert.deepEqual(s.rows, []);
    assert.deepEqual(s.verdicts, []);
    assert.equal(s.waitingAlerts.length, 1);
    const [w] = s.waitingAlerts;
    assert.equal(w.alertId, 'aaaa01b-bbbb-cccc-dddd-eeeea276218e');
    assert.equal(w.row.Id, 'aaaabce60-bbbb-cccc-dddd-eeeea27623da');
    assert.equal(w.row.SelectedBy, 'user-reported-phish-alert');
    assert.equal(w.row.AirVerdict, null);
    assert.equal(w.firstSeen, '2026-01-28T10:05:00.000Z');
  });

  it('does not select the Running submission investigation of the AIR sample: it is only a follow-up candidate', () => {
    const s = selectFromContent(sampleText('air_investigation_elastic.json'), defaults, provenance());
    assert.equal(s.recordsSeen, 3);
    assert.equal(s.dropped, 2);
    assert.equal(s.rows.length + s.waitingAlerts.length + s.quarantined.length, 0);
    assert.equal(s.verdicts.length, 1);
    assert.equal(s.verdicts[0].verdict, 'Running');
    assert.equal(s.verdicts[0].row?.Status, 'Running', 'ingested only once its investigation is selected');
  });

  it('selects a processed copy of it, as a row and as a verdict for the alert it references', () => {
    const air = sampleRecords('air_investigation_elastic.json');
    const processed = { ...air[2], Status: 'No threats found' };
    const s = selectFromContent(JSON.stringify([air[0], processed, air[1]]), defaults, provenance());
    assert.equal(s.dropped, 2, 'UrlInvestigation and ZappedEmailInvestigation are not user-reported');
    assert.equal(s.unknownStatuses, 0);
    assert.equal(s.rows.length, 1);
    assert.equal(s.rows[0].Status, 'No threats found');
    assert.equal(s.rows[0].AirVerdict, 'No threats found');
    assert.equal(s.rows[0].SelectedBy, 'air-processed-user-reported-investigation');
    assert.deepEqual(s.verdicts, [
      {
        investigationId: 'urn:SubmissionInvestigation:abcdef1234567890abcdef1234567890',
        verdict: 'No threats found',
        creationTime: '2023-12-31T23:59:59Z',
        lastUpdateTime: '2023-12-31T23:59:59Z',
        recordId: 'dddddddd-cccc-eeee-aaaa-bbbbbbbbbbbb',
        alertIds: ['dddddddd-cccc-eeee-aaaa-bbbbbbbbbbbb'],
      },
    ]);
  });

  it('recognises the trigger by InvestigationType alone or by Data.AlertDisplayName alone', () => {
    const byType = submissionInvestigation({ id: 'r1', investigationId: 'i1', status: 'Remediated' });
    byType.Data = JSON.stringify({ ProviderAlertId: 'a1', AlertDisplayName: 'something else' });
    const byName = {
      ...submissionInvestigation({ id: 'r2', investigationId: 'i2', status: 'Threats Found' }),
      InvestigationType: 'ZappedEmailInvestigation',
    };
    const neither = { ...byType, Id: 'r3', InvestigationType: 'UrlInvestigation' };
    const s = selectFromContent(JSON.stringify([byType, byName, neither]), defaults, provenance());
    assert.deepEqual(
      s.rows.map((r) => r.Id),
      ['r1', 'r2'],
    );
    assert.equal(s.dropped, 1);
  });

  it('matches Data values written with JSON escapes (the pre-parse shortcut stays exact)', () => {
    const rec = submissionInvestigation({ id: 'esc', investigationId: 'i-esc', status: 'Remediated' });
    rec.InvestigationType = 'ZappedEmailInvestigation'; // only Data.AlertDisplayName can select it now
    const escaped = (rec.Data as string).replace('"Email reported by user', '"\\u0045mail reported by user');
    assert.notEqual(escaped, rec.Data);
    const s = selectFromContent(JSON.stringify([{ ...rec, Data: escaped }]), defaults, provenance());
    assert.deepEqual(
      s.rows.map((r) => r.Id),
      ['esc'],
    );
    const slashRules = loadRuleSet(
      '[{"name":"s","match":{"RecordType":[40],"Data.path":["a/b"]},"emit":"row"}]',
    );
    const base = sampleRecords('security_compliance_alerts_elastic.json')[0];
    const withSlash = { ...base, Data: '{"path":"a\\/b"}' };
    const without = { ...base, Id: 'no', Data: '{"path":"a b","other":"a/b"}' };
    assert.deepEqual(
      selectFromContent(JSON.stringify([withSlash, without]), slashRules, provenance()).rows.map((r) => r.Id),
      [base.Id],
    );
  });

  it('follows a configured processed set (e.g. without "No threats found")', () => {
    const rules = loadRuleSet(
      '{"processedStatuses": ["Threats Found", "Remediated", "Partially Remediated"]}',
    );
    const recs = ['No threats found', 'Remediated', 'Pending Action'].map((status, i) =>
      submissionInvestigation({ id: `r${i}`, investigationId: `i${i}`, status }),
    );
    const s = selectFromContent(JSON.stringify(recs), rules, provenance());
    assert.deepEqual(
      s.verdicts.filter((v) => v.row === undefined).map((v) => v.verdict),
      ['Remediated'],
    );
    assert.deepEqual(
      s.rows.map((r) => r.Status),
      ['Remediated'],
    );
  });
});

describe('selectFromContent with onboarded rules', () => {
  it('selects all High severity ThreatManagement alerts without code, RecordType as int or string', () => {
    const rules = loadRuleSet(
      JSON.stringify({
        includeDefaultRules: true,
        rules: [
          {
            name: 'high-threat-management',
            match: { RecordType: [40], Severity: ['High'], Category: ['ThreatManagement'] },
            emit: 'row',
          },
        ],
      }),
    );
    const base = sampleRecords('security_compliance_alerts_elastic.json')[0];
    const high = { ...base, Id: 'h1', Severity: 'High', Category: 'ThreatManagement', RecordType: 40 };
    const highStr = { ...high, Id: 'h2', RecordType: '40' };
    const low = { ...high, Id: 'l1', Severity: 'Low' };
    const otherCat = { ...high, Id: 'o1', Category: 'DataGovernance' };
    const phish = userReportedAlert('p1', 'alert-1');
    const s = selectFromContent(JSON.stringify([high, highStr, low, otherCat, phish]), rules, provenance());
    assert.deepEqual(
      s.rows.map((r) => [r.Id, r.SelectedBy, r.RecordType]),
      [
        ['h1', 'high-threat-management', 40],
        ['h2', 'high-threat-management', 40],
      ],
    );
    assert.equal(s.waitingAlerts.length, 1, 'the default rules still apply');
    assert.equal(s.dropped, 2);
  });

  it('matches nested paths and arrays inside Data, and the first matching rule wins', () => {
    const rules = loadRuleSet(
      JSON.stringify([
        {
          name: 'mailbox-entity',
          match: { RecordType: [64], 'Data.Entities.Type': ['mailbox'] },
          emit: 'row',
        },
        { name: 'any-air', match: { RecordType: ['64'] }, emit: 'row' },
      ]),
    );
    const s = selectFromContent(sampleText('air_investigation_elastic.json'), rules, provenance());
    // Records 1 and 3 carry a mailbox entity in Data.Entities; record 2 falls through to the second rule.
    assert.deepEqual(
      s.rows.map((r) => r.SelectedBy),
      ['mailbox-entity', 'any-air', 'mailbox-entity'],
    );
  });
});

describe('selectFromContent with bad input', () => {
  it('throws MalformedContentError for a blob that is not a JSON array', () => {
    for (const text of ['', '{"error":{"code":"AF20050"}}', '[{"Id":', 'null']) {
      assert.throws(
        () => selectFromContent(text, defaults, provenance()),
        (e: unknown) => e instanceof MalformedContentError && e.reason.length > 0,
      );
    }
  });

  it('tolerates a leading byte order mark', () => {
    const s = selectFromContent(
      `\ufeff${sampleText('security_compliance_alerts_elastic.json')}`,
      defaults,
      provenance(),
    );
    assert.equal(s.recordsSeen, 3);
    assert.equal(s.waitingAlerts.length, 1);
  });

  it('quarantines malformed records by index and keeps going', () => {
    const good = userReportedAlert('ok', 'alert-1');
    const noAlertId = { ...userReportedAlert('no-alert-id', 'x'), AlertId: undefined };
    const noInvestigationId = {
      ...submissionInvestigation({ id: 'ni', investigationId: 'x', status: 'Remediated' }),
      InvestigationId: null,
    };
    const text = JSON.stringify([
      42,
      good,
      { RecordType: 40 },
      { ...good, Id: 'bad-time', CreationTime: 'yesterday' },
      noAlertId,
      noInvestigationId,
    ]);
    const s = selectFromContent(text, defaults, provenance());
    assert.equal(s.recordsSeen, 6);
    assert.deepEqual(
      s.quarantined.map((q) => q.index),
      [0, 2, 3, 4, 5],
    );
    assert.match(s.quarantined[0].reason, /not a JSON object/);
    assert.match(s.quarantined[2].reason, /CreationTime "yesterday"/);
    assert.match(s.quarantined[3].reason, /no AlertId/);
    assert.match(s.quarantined[4].reason, /no InvestigationId/);
    assert.deepEqual(
      s.waitingAlerts.map((w) => w.row.Id),
      ['ok'],
    );
  });

  it('keeps a selected record whose Data is not JSON, with Data as the string, and counts it', () => {
    const rules = loadRuleSet('[{"name":"all-alerts","match":{"RecordType":[40]},"emit":"row"}]');
    const rec = { ...sampleRecords('security_compliance_alerts_elastic.json')[0], Data: 'not json' };
    const s = selectFromContent(JSON.stringify([rec]), rules, provenance());
    assert.equal(s.unparsedData, 1);
    assert.equal(s.rows[0].Data, 'not json');
  });

  it('quarantines a selected record nested too deep to serialize, and keeps the others', () => {
    const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const deep = submissionInvestigation({ id: 'deep', investigationId: 'inv-deep', status: 'Remediated' });
    const data = JSON.parse(deep.Data as string) as Record<string, unknown>;
    deep.Data = JSON.stringify(data).replace(/}$/, `,"Deep":${nested(20_000)}}`);
    const fine = submissionInvestigation({ id: 'fine', investigationId: 'inv-fine', status: 'Remediated' });
    const atLimit = submissionInvestigation({
      id: 'limit',
      investigationId: 'inv-limit',
      status: 'Remediated',
    });
    atLimit.Data = JSON.stringify({ ...data, Deep: JSON.parse(nested(MAX_NESTING - 2)) });
    const s = selectFromContent(JSON.stringify([deep, fine, atLimit]), defaults, provenance());
    assert.deepEqual(
      s.rows.map((r) => r.Id),
      ['fine', 'limit'],
    );
    assert.equal(s.quarantined.length, 1);
    assert.equal(s.quarantined[0].index, 0);
    assert.match(s.quarantined[0].reason, /nested deeper than/);
    assert.doesNotThrow(() => JSON.stringify(s));
  });
});
