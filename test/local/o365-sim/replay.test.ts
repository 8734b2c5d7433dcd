import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { USER_REPORTED_ALERT_NAME } from '../../../local/o365-sim';
import { DAY, HOUR, type SimHarness, startHarness, T0, windowQuery } from '../../harness/sim-client';

const ALERT_ID = 'aaaa01b0-bbbb-4ccc-8ddd-eeeea276218e';
const alert = {
  CreationTime: '2025-05-02T05:10:44',
  Id: 'a1a1a1a1-0000-4000-8000-000000000001',
  Operation: 'AlertTriggered',
  RecordType: '40',
  Name: USER_REPORTED_ALERT_NAME,
  AlertId: ALERT_ID,
  Data: JSON.stringify({ op: 'UserSubmission' }),
};
const investigation = {
  CreationTime: '2025-05-02T06:10:44',
  Id: 'b2b2b2b2-0000-4000-8000-000000000002',
  Operation: 'AirInvestigationData',
  RecordType: 64,
  InvestigationType: 'SubmissionInvestigation',
  InvestigationId: 'urn:SubmissionInvestigation:0123456789abcdef0123456789abcdef',
  Status: 'Remediated',
  Data: JSON.stringify({ ProviderAlertId: ALERT_ID, AlertDisplayName: USER_REPORTED_ALERT_NAME }),
};

describe('o365-sim replay mode', () => {
  let dir: string;
  let h: SimHarness;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'o365-replay-'));
    writeFileSync(join(dir, 'first.json'), JSON.stringify([alert, investigation]));
    writeFileSync(join(dir, 'broken.json'), '[{"Id": "x"');
    mkdirSync(join(dir, 'Audit.Exchange'));
    writeFileSync(
      join(dir, 'Audit.Exchange', 'mail.json'),
      JSON.stringify([{ ...alert, Id: 'c3', RecordType: 2 }]),
    );
    h = await startHarness({ replayDir: dir });
    await h.start();
    await h.start('Audit.Exchange');
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists and serves the exported blobs as if they had just been created', async () => {
    const { entries } = await h.listAll(windowQuery(T0 - DAY + HOUR, T0 + HOUR));
    assert.equal(entries.length, 2);
    for (const e of entries)
      assert.ok(Date.parse(e.contentCreated) > T0 - HOUR && Date.parse(e.contentCreated) <= T0);
    const first = entries.find((e) => e.contentId.endsWith('first'));
    assert.ok(first);
    assert.deepEqual((await h.get(first.contentUri)).json(), [alert, investigation]);
    const broken = entries.find((e) => e.contentId.endsWith('broken'));
    assert.ok(broken);
    const brokenBody = (await h.get(broken.contentUri)).text;
    assert.throws(() => JSON.parse(brokenBody) as unknown);
    const exchange = await h.listAll(windowQuery(T0 - DAY + HOUR, T0 + HOUR, 'Audit.Exchange'));
    assert.equal(exchange.entries.length, 1);
  });

  it('computes the ground truth of the replayed content', () => {
    const truth = h.sim.groundTruth(T0 - DAY, T0 + HOUR);
    assert.deepEqual(truth.ids, [alert.Id, investigation.Id].sort());
    assert.deepEqual(
      truth.alerts.map((a) => ({
        alertRecordId: a.alertRecordId,
        alertId: a.alertId,
        investigationId: a.investigationId,
        verdict: a.verdict,
        firstVerdict: a.firstVerdict,
      })),
      [
        {
          alertRecordId: alert.Id,
          alertId: ALERT_ID,
          investigationId: investigation.InvestigationId,
          verdict: 'Remediated',
          firstVerdict: 'Remediated',
        },
      ],
    );
    assert.equal(truth.malformedContentIds.length, 1);
  });

  it('refuses a folder without content blobs', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'o365-replay-empty-'));
    try {
      await assert.rejects(startHarness({ replayDir: empty }), /holds no \.json content blobs/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
