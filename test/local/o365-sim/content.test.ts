import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { USER_REPORTED_ALERT_NAME } from '../../../local/o365-sim';
import { DAY, HOUR, type SimHarness, startHarness, T0, windowQuery } from '../../harness/sim-client';

type Rec = Record<string, unknown>;
const samples = join(__dirname, '..', '..', 'fixtures', 'o365-samples');
const loadSamples = (name: string): Rec[] => {
  try {
    return JSON.parse(readFileSync(join(samples, name), 'utf8')) as Rec[];
  } catch {
    return [];
  }
};

async function fetchAll(
  h: SimHarness,
  fromMs: number,
  toMs: number,
): Promise<{ contentId: string; records: Rec[] }[]> {
  const { entries } = await h.listAll(windowQuery(fromMs, toMs));
  const out: { contentId: string; records: Rec[] }[] = [];
  for (const e of entries) {
    const r = await h.get(`${e.contentUri}?PublisherIdentifier=${h.sim.tenantId}`);
    assert.equal(r.status, 200);
    out.push({ contentId: e.contentId, records: r.json<Rec[]>() });
  }
  return out;
}

describe('o365-sim content blobs', () => {
  let h: SimHarness;
  before(async () => {
    h = await startHarness({ seed: 7 });
    await h.start();
  });
  after(() => h.close());

  it('serves records in the real shapes: Data a JSON string, CreationTime without zone, RecordType sometimes a string', async () => {
    const blobs = await fetchAll(h, T0 - 24 * HOUR, T0);
    const records = blobs.flatMap((b) => b.records);
    assert.ok(records.length > 500);
    for (const r of records) {
      assert.match(String(r.CreationTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      assert.match(String(r.Id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    const alerts = records.filter((r) => Number(r.RecordType) === 40);
    const investigations = records.filter((r) => r.RecordType === 64);
    assert.ok(alerts.some((r) => r.RecordType === '40') && alerts.some((r) => r.RecordType === 40));
    for (const r of [...alerts, ...investigations]) assert.equal(typeof r.Data, 'string');
    const userReported = alerts.filter((r) => r.Name === USER_REPORTED_ALERT_NAME);
    assert.deepEqual(
      new Set(userReported.map((r) => r.Operation)),
      new Set(['AlertTriggered', 'AlertEntityGenerated', 'AlertUpdated']),
    );
    const entity = userReported.find((r) => r.Operation === 'AlertEntityGenerated');
    assert.equal((JSON.parse(String(entity?.Data)) as Rec).op, 'UserSubmission');
    const types = new Set(investigations.map((r) => r.InvestigationType));
    for (const t of ['SubmissionInvestigation', 'ZappedEmailInvestigation', 'UrlInvestigation'])
      assert.ok(types.has(t), t);
    const submission = investigations.find(
      (r) => r.InvestigationType === 'SubmissionInvestigation' && r.Actions,
    );
    const data = JSON.parse(String(submission?.Data)) as Rec;
    assert.ok('ProviderAlertId' in data && Array.isArray(data.Investigations));
    assert.ok(new Set(records.map((r) => Number(r.RecordType))).size >= 5, 'noise of other record types');
  });

  it('uses no top-level field the public samples do not have (same typed model)', async (t) => {
    const alertSamples = loadSamples('security_compliance_alerts_elastic.json');
    const airSamples = loadSamples('air_investigation_elastic.json');
    if (alertSamples.length === 0 || airSamples.length === 0) return t.skip('samples not available');
    const alertKeys = new Set(alertSamples.flatMap((r) => Object.keys(r)));
    const airKeys = new Set([...airSamples.flatMap((r) => Object.keys(r)), 'Actions']);
    const airActionKeys = new Set(
      airSamples.flatMap((r) =>
        Array.isArray(r.Actions) ? (r.Actions as Rec[]).flatMap((a) => Object.keys(a)) : [],
      ),
    );
    const blobs = await fetchAll(h, T0 - 6 * HOUR, T0);
    for (const r of blobs.flatMap((b) => b.records)) {
      const rt = Number(r.RecordType);
      if (rt === 40) for (const k of Object.keys(r)) assert.ok(alertKeys.has(k), `RecordType 40 field ${k}`);
      if (rt === 64) {
        for (const k of Object.keys(r)) assert.ok(airKeys.has(k), `RecordType 64 field ${k}`);
        for (const a of (r.Actions as Rec[] | undefined) ?? [])
          for (const k of Object.keys(a)) assert.ok(airActionKeys.has(k), `action field ${k}`);
      }
    }
  });

  it('answers AF20051 once a blob is 7 days old by the clock, AF20050 for unknown and AF20052 for invalid ids', async () => {
    const { entries } = await h.listAll(windowQuery(T0 - 2 * HOUR, T0 - HOUR));
    const first = entries[0];
    assert.ok(first);
    assert.equal((await h.get(first.contentUri)).status, 200);
    const unknown = first.contentUri.replace(/\$\d+x(\d+)\$/, '$999999x$1$');
    const missing = await h.get(unknown);
    assert.equal(missing.status, 404);
    assert.equal(missing.json<{ error: { code: string } }>().error.code, 'AF20050');
    const invalid = await h.get('audit/not%20a%20content%20id');
    assert.equal(invalid.json<{ error: { code: string } }>().error.code, 'AF20052');
    h.clock.advanceTo(Date.parse(first.contentCreated) + 7 * DAY);
    const expired = await h.get(first.contentUri);
    assert.equal(expired.status, 400);
    const error = expired.json<{ error: { code: string; message: string } }>().error;
    assert.equal(error.code, 'AF20051');
    assert.match(error.message, /Content older than 7 days cannot be retrieved/);
  });
});

describe('o365-sim determinism', () => {
  it('builds the same content from the same seed and different content from another', async () => {
    const [a, b, c] = await Promise.all([
      startHarness({ seed: 42 }),
      startHarness({ seed: 42 }),
      startHarness({ seed: 43 }),
    ]);
    try {
      await Promise.all([a.start(), b.start(), c.start()]);
      const [ba, bb, bc] = await Promise.all([
        fetchAll(a, T0 - 3 * HOUR, T0),
        fetchAll(b, T0 - 3 * HOUR, T0),
        fetchAll(c, T0 - 3 * HOUR, T0),
      ]);
      assert.ok(ba.length > 0);
      assert.deepEqual(ba, bb);
      const ids = (x: typeof ba): string[] =>
        x.flatMap((blob) => blob.records.map((r) => String(r.Id))).sort();
      assert.notDeepEqual(ids(ba), ids(bc));
      // Hours are built lazily and independently: asking for a later hour first changes nothing.
      const d = await startHarness({ seed: 42 });
      try {
        await d.start();
        await fetchAll(d, T0 - HOUR, T0);
        assert.deepEqual(await fetchAll(d, T0 - 3 * HOUR, T0), ba);
      } finally {
        await d.close();
      }
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});
