import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type GroundTruth, PROCESSED_STATUSES, USER_REPORTED_ALERT_NAME } from '../../../local/o365-sim';
import { TERMINAL_STATUSES } from '../../../local/o365-sim/records';
import { DAY, HOUR, type SimHarness, startHarness, T0, windowQuery } from '../../harness/sim-client';

type Rec = Record<string, unknown>;
const FROM = T0 - 24 * HOUR;
const TO = T0;

interface Served {
  record: Rec;
  contentId: string;
  contentCreated: number;
}

async function crawl(h: SimHarness, fromMs: number, toMs: number): Promise<Map<string, Served>> {
  const { entries } = await h.listAll(windowQuery(fromMs, toMs));
  const seen = new Map<string, Served>();
  for (const e of entries) {
    const r = await h.get(e.contentUri);
    for (const record of r.json<Rec[]>())
      if (!seen.has(String(record.Id)))
        seen.set(String(record.Id), {
          record,
          contentId: e.contentId,
          contentCreated: Date.parse(e.contentCreated),
        });
  }
  return seen;
}

describe('o365-sim ground truth', () => {
  let h: SimHarness;
  let truth: GroundTruth;
  let served: Map<string, Served>;
  before(async () => {
    h = await startHarness({ seed: 11, tenant: { recordsPerHour: 300 } });
    await h.start();
    truth = h.sim.groundTruth(FROM, TO);
    served = await crawl(h, FROM, TO);
  });
  after(() => h.close());

  it('matches a selection made by hand from the content the API serves for the range', () => {
    const processed = new Set<string>([...PROCESSED_STATUSES, ...TERMINAL_STATUSES]);
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

  it('gives each alert the latest processed status known at the end of its release window, and the first as firstVerdict', () => {
    const verdicts = new Set<string>(PROCESSED_STATUSES);
    const processed = new Set<string>([...PROCESSED_STATUSES, ...TERMINAL_STATUSES]);
    const windowEnd = (t: number): number => (Math.floor(t / HOUR) + 1) * HOUR;
    const refsByAlert = new Map<string, Served[]>();
    for (const s of served.values()) {
      if (s.record.RecordType !== 64 || !processed.has(String(s.record.Status))) continue;
      const data = JSON.parse(String(s.record.Data)) as Rec;
      const related = ((s.record.Actions as { RelatedAlertIds: string[] }[] | undefined) ?? []).flatMap(
        (x) => x.RelatedAlertIds,
      );
      for (const id of new Set([data.ProviderAlertId, ...related]))
        if (typeof id === 'string') refsByAlert.set(id, [...(refsByAlert.get(id) ?? []), s]);
    }
    for (const a of truth.alerts) {
      const alert = served.get(a.alertRecordId);
      assert.ok(alert);
      const refs = (refsByAlert.get(a.alertId) ?? []).sort(
        (x, y) =>
          String(x.record.LastUpdateTimeUtc).localeCompare(String(y.record.LastUpdateTimeUtc)) ||
          String(x.record.Id).localeCompare(String(y.record.Id)),
      );
      const release = windowEnd(
        Math.max(alert.contentCreated, Math.min(...refs.map((r) => r.contentCreated))),
      );
      const known = refs.filter((r) => r.contentCreated < release);
      // The latest verdict known at release; an investigation that ended without one gives its end status.
      const knownVerdicts = known.filter((r) => verdicts.has(String(r.record.Status)));
      const chosen = knownVerdicts.length ? knownVerdicts : known;
      assert.equal(a.verdict, chosen[chosen.length - 1]?.record.Status, `verdict of ${a.alertRecordId}`);
      assert.equal(a.firstVerdict, refs[0]?.record.Status);
      assert.equal(a.latestVerdict, refs[refs.length - 1]?.record.Status);
      assert.equal(a.releasedInWindowEnd, new Date(release).toISOString());
      assert.match(a.investigationId, /^urn:SubmissionInvestigation:[0-9a-f]{32}$/);
    }
    // Pending Action then Remediated: within the release window the row says Remediated, later it stays Pending Action.
    const remediatedInTime = truth.alerts.filter(
      (a) => a.firstVerdict === 'Pending Action' && a.verdict === 'Remediated',
    );
    const remediatedLater = truth.alerts.filter(
      (a) => a.verdict === 'Pending Action' && a.latestVerdict === 'Remediated',
    );
    assert.ok(remediatedInTime.length > 0, 'some alerts are released after their Remediated update');
    assert.ok(remediatedLater.length > 0, 'some alerts are released before their Remediated update');
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

  it('covers what a listing of the range serves: blobs created before it and listed again inside it count', async () => {
    const relisting = await startHarness({
      seed: 11,
      tenant: { recordsPerHour: 300 },
      faults: { duplicateListingRate: 0.5, relistAfterMinutes: 90 },
    });
    try {
      await relisting.start();
      const listed = new Set(
        (await relisting.listAll(windowQuery(FROM, TO))).entries.map((e) => e.contentId),
      );
      const createdInRange = new Set(relisting.sim.blobs(FROM, TO).map((b) => b.contentId));
      const earlier = [...listed].filter((id) => !createdInRange.has(id));
      assert.ok(earlier.length > 0, 'some blobs created before the range are listed again inside it');
      const withRelisting = relisting.sim.groundTruth(FROM, TO);
      assert.equal(withRelisting.contentBlobs, listed.size);
      const fromEarlier = withRelisting.rows.filter((r) => r.ContentIds.some((id) => earlier.includes(id)));
      assert.ok(fromEarlier.length > 0, 'records of those blobs can be selected');
      const served = await crawl(relisting, FROM, TO);
      for (const r of fromEarlier)
        assert.ok(served.has(r.Id), `${r.Id} is served by the listing of the range`);
    } finally {
      await relisting.close();
    }
  });

  it('with listedBy, leaves out the late-listed blobs a listing at that time does not serve', async () => {
    const late = await startHarness(
      { seed: 11, tenant: { recordsPerHour: 300 }, faults: { lateListingRate: 0.5, lateListingMinutes: 30 } },
      TO,
    );
    try {
      await late.start();
      const listed = new Set((await late.listAll(windowQuery(FROM, TO))).entries.map((e) => e.contentId));
      const all = late.sim.groundTruth(FROM, TO);
      const seen = late.sim.groundTruth(FROM, TO, { listedBy: TO });
      assert.ok(all.contentBlobs > listed.size, 'some blobs of the range are not listable yet');
      assert.equal(seen.contentBlobs, listed.size);
      assert.ok(seen.ids.every((id) => all.ids.includes(id)) && seen.ids.length < all.ids.length);
    } finally {
      await late.close();
    }
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
