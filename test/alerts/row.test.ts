import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuditRecord, toAlertRow } from '../../src/alerts';
import { ALERT_COLUMNS } from '../../src/kusto/schema';
import { provenance, sampleRecords } from './fixtures/records';

const ISO_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function checkTypes(row: Record<string, unknown>): void {
  assert.deepEqual(
    Object.keys(row).sort(),
    ALERT_COLUMNS.map((c) => c.name).sort(),
    'exactly the table columns',
  );
  for (const c of ALERT_COLUMNS) {
    const v = row[c.name];
    if (v === null) continue;
    if (c.type === 'datetime') assert.match(String(v), ISO_Z, c.name);
    else if (c.type === 'int') assert.ok(Number.isInteger(v), c.name);
    else if (c.type === 'dynamic') assert.equal(typeof v, 'object', c.name);
    else assert.equal(typeof v, 'string', c.name);
  }
}

describe('toAlertRow', () => {
  it('fills every column of an investigation row, with Data and Actions as objects', () => {
    const rec = parseAuditRecord(sampleRecords('air_investigation_elastic.json')[0]);
    const row = toAlertRow(rec, 'rule-x', provenance());
    checkTypes(row);
    const unfilled = ALERT_COLUMNS.filter((c) => row[c.name] === null).map((c) => c.name);
    // An investigation has no alert fields; everything else is filled from the record, the rule or provenance
    // (TenantName is filled at ingestion, from the tenant's settings).
    assert.deepEqual(
      unfilled.sort(),
      [
        'AlertId',
        'Category',
        'Comments',
        'Name',
        'PolicyId',
        'ResultStatus',
        'Severity',
        'Source',
        'TenantName',
      ].sort(),
    );
    assert.equal(row.CreationTime, '2023-12-31T23:59:59Z');
    assert.equal(row.LastUpdateTimeUtc, '2023-12-31T23:59:59Z');
    assert.equal(row.InvestigationType, 'UrlInvestigation');
    assert.match(String(row.DeepLinkUrl), /^https:\/\/security\.microsoft\.com\//);
    assert.equal((row.Data as Record<string, unknown>).ProviderName, 'OATP');
    assert.equal((row.Actions as { ActionType: string }[])[0].ActionType, 'EmailRemediation');
    assert.deepEqual([row.AirInvestigationId, row.AirVerdict], [row.InvestigationId, 'Pending Action']);
    assert.deepEqual(
      [row.SelectedBy, row.ContentType, row.ContentId, row.ContentCreated, row.WindowStart, row.WindowEnd],
      [
        'rule-x',
        'Audit.General',
        'content-1',
        '2026-01-28T10:05:00.000Z',
        '2026-01-28T10:00:00Z',
        '2026-01-28T11:00:00Z',
      ],
    );
  });

  it('fills every column an alert has, and null for the investigation ones', () => {
    const rec = parseAuditRecord(sampleRecords('security_compliance_alerts_elastic.json')[2]);
    const row = toAlertRow(rec, 'user-reported-phish-alert', provenance());
    checkTypes(row);
    assert.deepEqual(
      [
        row.Id,
        row.RecordType,
        row.Name,
        row.Severity,
        row.Category,
        row.Status,
        row.Source,
        row.Comments,
        row.AlertId,
        row.PolicyId,
        row.ResultStatus,
        row.UserKey,
        row.ObjectId,
        row.Operation,
        row.Workload,
        row.OrganizationId,
      ],
      [
        'aaaabce60-bbbb-cccc-dddd-eeeea27623da',
        40,
        'Email reported by user as malware or phish',
        'Low',
        'ThreatManagement',
        'Active',
        'Office 365 Security & Compliance',
        'New alert',
        'aaaa01b-bbbb-cccc-dddd-eeeea276218e',
        'aaaa5770-bbbb-cccc-dddd-eeee2c27bbb3',
        'Succeeded',
        'SecurityComplianceAlerts',
        'GivenName.SureName@domain.TLD(external, opens in a new tab or window)',
        'AlertEntityGenerated',
        'SecurityComplianceCenter',
        'aaaaa14f-bbbb-cccc-dddd-eeee5a778630',
      ],
    );
    for (const c of [
      'InvestigationType',
      'InvestigationName',
      'InvestigationId',
      'StartTimeUtc',
      'LastUpdateTimeUtc',
      'EndTimeUtc',
      'DeepLinkUrl',
      'Actions',
      'AirInvestigationId',
      'AirVerdict',
    ] as const) {
      assert.equal(row[c], null, c);
    }
    assert.equal((row.Data as Record<string, unknown>).op, 'UserSubmission');
  });

  it('reads the docs spelling DeeplinkURL and a missing Data as null', () => {
    const base = sampleRecords('air_investigation_elastic.json')[1];
    const { DeepLinkUrl: link, Data: _data, ...rest } = base;
    const row = toAlertRow(parseAuditRecord({ ...rest, DeeplinkURL: link }), 'r', provenance());
    assert.equal(row.DeepLinkUrl, link);
    assert.equal(row.Data, null);
  });
});
