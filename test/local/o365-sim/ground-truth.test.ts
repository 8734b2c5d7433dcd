import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type GroundTruth, PROCESSED_STATUSES, USER_REPORTED_ALERT_NAME } from '../../../local/o365-sim';
import { DAY, HOUR, type SimHarness, startHarness, T0, windowQuery } from '../../harness/sim-client';

type Rec = Record<string, unknown>;
const FROM = T0 - 24 * HOUR;
const TO = T0;

async function crawl(
  h: SimHarness,
  fromMs: number,
  toMs: number,
): Promise<Map<string, { record: Rec; contentId: string }>> {
  const { entries } = await h.listAll(windowQuery(fromMs, toMs));
  const seen = new Map<string, { record: Rec; contentId: string }>();
  for (const e of entries) {
    const r = await h.get(e.contentUri);
    for (const record of r.json<Rec[]>())
      if (!seen.has(String(record.Id))) seen.set(String(record.Id), { record, contentId: e.contentId });
  }
  return seen;
}

describe('o365-sim ground truth', () => {
  let h: SimHarness;
  let truth: GroundTruth;
  let served: Map<string, { record: Rec; contentId: string }>;
  before(async () => {
    h = await startHarness({ seed: 11, tenant: { recordsPerHour: 300 } });
    await h.start();
    truth = h.sim.groundTruth(FROM, TO);
    served = await crawl(h, FROM, TO);
  });
  after(() => h.close());

  it('matches a selection made by hand from the content the API serves for the range', () => {
    const processed = new Set<string>(PROCESSED_STATUSES);
    const selectedInvestigations = [...served.values()]
      .map((s) => s.record)
      .filter((r) => {
        if (r.RecordType !== 64) return false;
        const data = JSON.parse(String(r.Data)) as Rec;
        return (
          (data.AlertDisplayName === USER_REPORTED_ALERT_NAME ||
            r.InvestigationType === 'SubmissionInvestigation') &&
          processed.has(String(r.Status))
        );
      });
    const referenced = new Set<string>();
    for (const r of selectedInvestigations) {
      const data = JSON.parse(String(r.Data)) as Rec;
      if (typeof data.ProviderAlertId === 'string') referenced.add(data.ProviderAlertId);
      for (const a of (r.Actions as { RelatedAlertIds: string[] }[] | undefined) ?? [])
        for (const id of a.RelatedAlertIds) referenced.add(id);
    }
    const selectedAlerts = [...served.values()]
      .map((s) => s.record)
      .filter(
        (r) =>
          Number(r.RecordType) === 40 &&
          r.Name === USER_REPORTED_ALERT_NAME &&
          referenced.has(String(r.AlertId)),
      );
    const expected = [...selectedInvestigations, ...selectedAlerts].map((r) => String(r.Id)).sort();
    assert.ok(expected.length > 50, `a meaningful selection, got ${expected.length}`);
    assert.deepEqual(truth.ids, expected);
    assert.equal(truth.records, served.size);
    assert.equal(truth.alerts.length, selectedAlerts.length);
  });

  it('gives each alert the earliest processed status of its investigation as the verdict', () => {
    const processed = new Set<string>(PROCESSED_STATUSES);
    for (const a of truth.alerts) {
      assert.ok(processed.has(a.verdict), a.verdict);
      assert.match(a.investigationId, /^urn:SubmissionInvestigation:[0-9a-f]{32}$/);
      const records = [...served.values()]
        .map((s) => s.record)
        .filter((r) => r.InvestigationId === a.investigationId && processed.has(String(r.Status)))
        .sort(
          (x, y) =>
            String(x.CreationTime).localeCompare(String(y.CreationTime)) ||
            String(x.Id).localeCompare(String(y.Id)),
        );
      assert.equal(records[0]?.Status, a.verdict);
    }
    // A Pending Action later remediated keeps Pending Action as its verdict.
    const laterRemediated = truth.alerts.filter(
      (a) =>
        a.verdict === 'Pending Action' &&
        [...served.values()].some(
          (s) => s.record.InvestigationId === a.investigationId && s.record.Status === 'Remediated',
        ),
    );
    assert.ok(laterRemediated.length > 0);
  });

  it('has lifecycles that cross blobs, links through actions only, and processed noise that is not selected', () => {
    const selected = new Set(truth.ids);
    const crossBlob = truth.alerts.filter((a) => {
      const alertBlob = served.get(a.alertRecordId)?.contentId;
      return [...served.values()].some(
        (s) => s.record.InvestigationId === a.investigationId && s.contentId !== alertBlob,
      );
    });
    assert.ok(crossBlob.length > truth.alerts.length / 2);
    const actionsOnly = [...served.values()].filter(
      (s) =>
        selected.has(String(s.record.Id)) &&
        s.record.RecordType === 64 &&
        (JSON.parse(String(s.record.Data)) as Rec).ProviderAlertId === null,
    );
    assert.ok(actionsOnly.length > 0, 'some investigations link to their alert only through RelatedAlertIds');
    const noise = [...served.values()].filter(
      (s) =>
        s.record.RecordType === 64 &&
        s.record.InvestigationType === 'UrlInvestigation' &&
        s.record.Status === 'Remediated',
    );
    assert.ok(noise.length > 0);
    for (const n of noise) assert.ok(!selected.has(String(n.record.Id)));
  });

  it('serves the same answer on the admin route', async () => {
    const r = await fetch(
      `${h.sim.apiUrl}/_sim/ground-truth?from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`,
    );
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), truth);
    const bad = await fetch(`${h.sim.apiUrl}/_sim/ground-truth?from=yesterday`);
    assert.equal(bad.status, 400);
  });

  it('reports expired content by the clock, counts duplicate records once; malformed blobs leave the selection', async () => {
    h.clock.advanceTo(FROM + 7 * DAY + 6 * HOUR);
    const later = h.sim.groundTruth(FROM, TO);
    assert.deepEqual(later.ids, truth.ids);
    assert.ok(later.expiredContentIds.length > 0 && later.expiredContentIds.length < later.contentBlobs);
    assert.ok(later.expiredIds.length > 0);
    const dup = await startHarness({
      seed: 11,
      tenant: { recordsPerHour: 300 },
      faults: { duplicateRecordRate: 0.3 },
    });
    const bad = await startHarness({
      seed: 11,
      tenant: { recordsPerHour: 300 },
      faults: { malformedBlobRate: 0.2 },
    });
    try {
      const withDup = dup.sim.groundTruth(FROM, TO);
      // Duplicates appear once. Only copies of records from the blob just before the range can add to it.
      const base = new Set(truth.ids);
      assert.ok(truth.ids.every((id) => withDup.ids.includes(id)));
      const extra = withDup.ids.filter((id) => !base.has(id));
      assert.ok(extra.length <= 40, `at most one blob's worth of extra records, got ${extra.length}`);
      assert.ok(withDup.records - truth.records <= 40);
      const withBad = bad.sim.groundTruth(FROM, TO);
      assert.ok(withBad.malformedContentIds.length > 0);
      assert.ok(withBad.ids.length < truth.ids.length);
      assert.ok(withBad.ids.every((id) => truth.ids.includes(id) || !served.has(id)));
    } finally {
      await dup.close();
      await bad.close();
    }
  });
});
