import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, afterEach, before, describe, it } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import {
  BAD_CONTENT_CREATED,
  DEFAULT_FAULTS,
  HOSTILE_ALERT_ID,
  type RunningSim,
  startO365Sim,
} from '../../../local/o365-sim';
import { call, type Entry, listAll, type TenantClient, tenantClient } from './tenant-client';
import { HOUR, T0 } from '../../harness/sim-client';

const FROM = T0 - 6 * HOUR;
type Rec = Record<string, unknown>;

const isHtml404 = (r: { status: number; headers: Record<string, unknown>; text: string }): boolean =>
  r.status === 404 && String(r.headers['content-type']).startsWith('text/html') && !r.text.includes('AF');

describe('o365-sim poison blobs on the wire', () => {
  let sim: RunningSim;
  let clock: VirtualClock;
  let client: TenantClient;
  let entries: Entry[];
  /** Listed blobs, in order, picked as explicit fault targets. */
  let ids: string[];
  before(async () => {
    clock = new VirtualClock(T0);
    sim = await startO365Sim({ port: 0, clock, seed: 21, tenant: { recordsPerHour: 200 } });
    client = await tenantClient(sim, sim.tenantId);
    await client.post('subscriptions/start?contentType=Audit.General');
    entries = await listAll(client, FROM, T0);
    ids = entries.map((e) => e.contentId);
    assert.ok(ids.length > 10);
  });
  afterEach(() => sim.setFaults(DEFAULT_FAULTS));
  after(() => sim.close());

  const entryOf = async (contentId: string): Promise<Entry> => {
    const found = (await listAll(client, FROM, T0)).find((e) => e.contentId === contentId);
    assert.ok(found, `${contentId} is listed`);
    return found;
  };

  it('answers a notFound blob with 404 text/html and no AF code, every time, and counts it', async () => {
    const id = ids[1] as string;
    sim.setFaults({ notFoundContentIds: [id] });
    const entry = await entryOf(id);
    const before = sim.counters();
    for (let i = 0; i < 3; i++) assert.ok(isHtml404(await client.get(entry.contentUri)));
    const after = sim.counters();
    assert.equal(after.faultsInjected.notFoundServed - before.faultsInjected.notFoundServed, 3);
    assert.deepEqual(after.byCode, before.byCode, 'no error code is counted for it');
    // Its neighbours still serve.
    assert.equal((await client.get((await entryOf(ids[2] as string)).contentUri)).status, 200);
  });

  it('lists a foreignHost blob on the foreign host, and counts a client that follows it with its token', async () => {
    const id = ids[3] as string;
    sim.setFaults({ foreignHostContentIds: [id] });
    const entry = await entryOf(id);
    const uri = new URL(entry.contentUri);
    assert.equal(uri.host, 'evil.example.net');
    assert.equal(uri.pathname, `/api/v1.0/${sim.tenantId}/activity/feed/audit/${id}`);
    // The id on the simulator's own host is not there either.
    const ownHost = `${sim.apiUrl}${uri.pathname}`;
    assert.ok(isHtml404(await client.get(ownHost)));
    const followed = await call(sim, entry.contentUri, {
      headers: { Authorization: `Bearer ${client.token}` },
    });
    assert.ok(isHtml404(followed));
    const c = sim.counters();
    assert.ok(c.faultsInjected.foreignHostListed >= 1);
    assert.equal(c.faultsInjected.foreignHostRequests, 1);
    assert.equal(c.authorizationToForeignHost, 1);
    assert.equal(c.hosts['evil.example.net']?.content, 1);
    sim.setFaults({ foreignHost: 'attacker.example.org' });
    assert.equal(new URL((await entryOf(id)).contentUri).host, 'attacker.example.org');
  });

  it('streams an oversize blob: valid JSON of the same records, past the cap, chunked unless asked for a length', async () => {
    const id = ids[4] as string;
    const normal = await client.get((await entryOf(id)).contentUri);
    sim.setFaults({ oversizeContentIds: [id], oversizeBlobBytes: 2 * 1024 * 1024 });
    const big = await client.get((await entryOf(id)).contentUri);
    assert.equal(big.status, 200);
    assert.ok(Buffer.byteLength(big.text) > 2 * 1024 * 1024);
    assert.equal(big.headers['content-length'], undefined);
    assert.equal(big.headers['transfer-encoding'], 'chunked');
    assert.deepEqual(big.json(), normal.json());
    sim.setFaults({ oversizeContentLength: true });
    const sized = await client.get((await entryOf(id)).contentUri);
    assert.equal(Number(sized.headers['content-length']), Buffer.byteLength(sized.text));
    assert.equal(sim.counters().faultsInjected.oversizeServed, 2);
  });

  it('writes a 64 MiB oversize body in chunks without holding it in memory', async () => {
    const id = ids[5] as string;
    sim.setFaults({ oversizeContentIds: [id] });
    const uri = new URL((await entryOf(id)).contentUri);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: Number(uri.port),
          path: uri.pathname,
          servername: 'localhost',
          headers: { Authorization: `Bearer ${client.token}` },
        },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            peak = Math.max(peak, process.memoryUsage().rss);
          });
          res.on('end', () => resolve(bytes));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.ok(received > DEFAULT_FAULTS.oversizeBlobBytes, `${received} bytes`);
    assert.ok(
      // Well under the 64 MiB body: it was streamed, not held (the margin absorbs the test process's own growth).
      peak - rssBefore < 48 * 1024 * 1024,
      `RSS grew by ${Math.round((peak - rssBefore) / 1048576)} MiB`,
    );
  });

  it('lists a badContentCreated blob with an impossible contentCreated; its expiration and body stay valid', async () => {
    const id = ids[6] as string;
    sim.setFaults({ badContentCreatedContentIds: [id] });
    const entry = await entryOf(id);
    assert.equal(entry.contentCreated, BAD_CONTENT_CREATED);
    assert.ok(Number.isNaN(new Date(`${BAD_CONTENT_CREATED}Z`).getTime()));
    assert.ok(Number.isFinite(Date.parse(entry.contentExpiration)));
    assert.equal((await client.get(entry.contentUri)).status, 200);
    assert.ok(sim.counters().faultsInjected.badContentCreatedListed >= 1);
  });

  it('fails a recovering blob with 404 text/html until its recovery time, then serves it', async () => {
    const id = ids[7] as string;
    sim.setFaults({ recoveringContentIds: [id], recoverAt: new Date(T0 + 2 * HOUR).toISOString() });
    const entry = await entryOf(id);
    assert.ok(isHtml404(await client.get(entry.contentUri)));
    clock.advanceTo(T0 + 2 * HOUR - 1);
    assert.ok(isHtml404(await client.get(entry.contentUri)));
    clock.advanceTo(T0 + 2 * HOUR);
    const served = await client.get(entry.contentUri);
    assert.equal(served.status, 200);
    assert.ok(served.json<Rec[]>().length > 0);
    const c = sim.counters().faultsInjected;
    assert.equal(c.recoveringFailed, 2);
    assert.equal(c.recoveringServed, 1);
    const poison = sim.groundTruth(FROM, T0).poison.find((p) => p.contentId === id);
    assert.deepEqual(poison?.kind, 'recovering');
    assert.equal(poison?.recoversAt, new Date(T0 + 2 * HOUR).toISOString());
  });

  it('gives AlertId __proto__ to the alert of a named blob and to every record of its lifecycle', async () => {
    clock.advanceTo(T0 + 2 * HOUR);
    const fetchAll = async (): Promise<Map<string, Rec[]>> => {
      const out = new Map<string, Rec[]>();
      for (const e of await listAll(client, FROM - 6 * HOUR, T0)) {
        const r = await client.get(e.contentUri);
        out.set(e.contentId, r.json<Rec[]>());
      }
      return out;
    };
    const before = await fetchAll();
    const selected = new Set(sim.groundTruth(FROM - 6 * HOUR, T0).alerts.map((a) => a.alertRecordId));
    const [blobId, original] = [...before.entries()]
      .map(
        ([id, rs]) =>
          [id, rs.find((r) => r.Operation === 'AlertTriggered' && selected.has(String(r.Id)))] as const,
      )
      .find(([, r]) => r !== undefined) as [string, Rec];
    const originalAlertId = String(original.AlertId);
    sim.setFaults({ protoAlertContentIds: [blobId] });
    const all = [...(await fetchAll()).values()].flat();
    assert.equal(all.find((r) => r.Id === original.Id)?.AlertId, HOSTILE_ALERT_ID);
    assert.ok(
      !all.some((r) => JSON.stringify(r).includes(originalAlertId)),
      'no record keeps the old AlertId',
    );
    assert.ok(
      all.some(
        (r) =>
          r.RecordType === 64 &&
          ((JSON.parse(String(r.Data)) as Rec).ProviderAlertId === HOSTILE_ALERT_ID ||
            ((r.Actions as { RelatedAlertIds: string[] }[] | undefined) ?? []).some((a) =>
              a.RelatedAlertIds.includes(HOSTILE_ALERT_ID),
            )),
      ),
      'its investigation references __proto__',
    );
    const truth = sim.groundTruth(FROM - 6 * HOUR, T0);
    const row = truth.rows.find((r) => r.Id === original.Id);
    assert.equal(row?.AlertId, HOSTILE_ALERT_ID, 'the hostile alert is expected in the table');
    assert.equal(row?.AirVerdict, truth.alerts.find((a) => a.alertRecordId === original.Id)?.verdict);
    // By rate: every user-reported alert.
    sim.setFaults({ protoAlertContentIds: [], protoAlertRate: 1 });
    const everyone = sim.groundTruth(FROM - 6 * HOUR, T0);
    assert.ok(everyone.alerts.length > 3);
    assert.ok(everyone.alerts.every((a) => a.alertId === HOSTILE_ALERT_ID));
    assert.equal(everyone.poison.length, 0, '__proto__ alerts are not poison');
  });
});

describe('o365-sim poison rates and ground truth', () => {
  const RATES = {
    notFoundBlobRate: 0.06,
    foreignHostBlobRate: 0.06,
    oversizeBlobRate: 0.06,
    badContentCreatedRate: 0.06,
    recoveringBlobRate: 0.06,
    recoverAfterMinutes: 240,
  };
  const DAY_FROM = T0 - 24 * HOUR;
  let clean: RunningSim;
  let poisoned: RunningSim;
  before(async () => {
    const options = { port: 0, seed: 33, tenant: { recordsPerHour: 300 } };
    clean = await startO365Sim({ ...options, clock: new VirtualClock(T0) });
    poisoned = await startO365Sim({ ...options, clock: new VirtualClock(T0), faults: RATES });
  });
  after(async () => {
    await clean.close();
    await poisoned.close();
  });

  it('assigns poison kinds from the seed alone, each kind at about its rate, explicit ids first', async () => {
    const again = await startO365Sim({
      port: 0,
      seed: 33,
      tenant: { recordsPerHour: 300 },
      clock: new VirtualClock(T0),
      faults: RATES,
    });
    try {
      const blobs = poisoned.blobs(DAY_FROM, T0);
      assert.deepEqual(again.blobs(DAY_FROM, T0), blobs);
      assert.deepEqual(
        clean.blobs(DAY_FROM, T0).map((b) => b.contentId),
        blobs.map((b) => b.contentId),
        'contentIds do not depend on faults',
      );
      const kinds = new Map<string, number>();
      for (const b of blobs) if (b.poison) kinds.set(b.poison, (kinds.get(b.poison) ?? 0) + 1);
      assert.deepEqual([...kinds.keys()].sort(), [
        'badContentCreated',
        'foreignHost',
        'notFound',
        'oversize',
        'recovering',
      ]);
      const share = [...kinds.values()].reduce((a, b) => a + b, 0) / blobs.length;
      assert.ok(share > 0.15 && share < 0.45, `poisoned share ${share} of ${blobs.length}`);
      const healthy = blobs.find((b) => !b.poison) as { contentId: string };
      again.setFaults({ oversizeContentIds: [healthy.contentId] });
      assert.equal(
        again.blobs(DAY_FROM, T0).find((b) => b.contentId === healthy.contentId)?.poison,
        'oversize',
      );
    } finally {
      await again.close();
    }
    await assert.rejects(
      startO365Sim({ port: 0, faults: { notFoundBlobRate: 0.6, recoveringBlobRate: 0.6 } }),
      /must sum to at most 1/,
    );
    await assert.rejects(startO365Sim({ port: 0, faults: { foreignHost: 'https://evil/' } }), /foreignHost/);
  });

  it('equals the clean ground truth minus exactly the blobs a consumer can never obtain', () => {
    const truth = poisoned.groundTruth(DAY_FROM, T0);
    const permanent = truth.poison.filter((p) => p.kind !== 'recovering').map((p) => p.contentId);
    const all = truth.poisonContentIds;
    assert.ok(permanent.length > 5 && all.length > permanent.length);
    assert.deepEqual(truth.ids, clean.groundTruth(DAY_FROM, T0, { excludeContentIds: permanent }).ids);
    assert.deepEqual(truth.ifPoisonRecovers.ids, truth.ids);
    assert.deepEqual(
      truth.ifPoisonNeverRecovers.ids,
      clean.groundTruth(DAY_FROM, T0, { excludeContentIds: all }).ids,
    );
    assert.deepEqual(
      poisoned.groundTruth(DAY_FROM, T0, { recovering: 'lost' }).ids,
      truth.ifPoisonNeverRecovers.ids,
    );
    const cleanTruth = clean.groundTruth(DAY_FROM, T0);
    assert.ok(truth.ifPoisonNeverRecovers.ids.length < truth.ids.length);
    assert.ok(truth.ids.length < cleanTruth.ids.length);
    // Alerts lost with their investigation's blob are named by the difference of the two views.
    const neverAlerts = new Set(truth.ifPoisonNeverRecovers.alertRecordIds);
    assert.ok(truth.alerts.some((a) => !neverAlerts.has(a.alertRecordId)));
    // Excluding more (a data-loss list) takes those blobs' records out too.
    const recovering = truth.poison.filter((p) => p.kind === 'recovering').map((p) => p.contentId);
    assert.deepEqual(
      poisoned.groundTruth(DAY_FROM, T0, { excludeContentIds: recovering }).ids,
      truth.ifPoisonNeverRecovers.ids,
    );
  });

  it('releases alerts that wait on a recovering blob no earlier than the window after its recovery', () => {
    const truth = poisoned.groundTruth(DAY_FROM, T0);
    const recovering = new Map(
      truth.poison
        .filter((p) => p.kind === 'recovering')
        .map((p) => [p.contentId, Date.parse(p.recoversAt ?? '')]),
    );
    const waiting = truth.rows.filter(
      (r) => r.RecordType === 40 && r.ContentIds.every((id) => recovering.has(id)),
    );
    assert.ok(waiting.length > 0, 'some alerts sit only in recovering blobs');
    for (const row of waiting) {
      const alert = truth.alerts.find((a) => a.alertRecordId === row.Id);
      const recoversAt = Math.min(...row.ContentIds.map((id) => recovering.get(id) as number));
      assert.ok(Date.parse(alert?.releasedInWindowEnd ?? '') > recoversAt);
    }
    // A blob that would recover only after its expiration is lost.
    poisoned.setFaults({ recoverAt: T0 + 30 * 24 * HOUR });
    try {
      const late = poisoned.groundTruth(DAY_FROM, T0);
      assert.deepEqual(late.ids, late.ifPoisonNeverRecovers.ids);
    } finally {
      poisoned.setFaults({ recoverAt: undefined });
    }
  });

  it('serves the poison views on the admin route', async () => {
    const truth = poisoned.groundTruth(DAY_FROM, T0);
    const q = `from=${new Date(DAY_FROM).toISOString()}&to=${new Date(T0).toISOString()}`;
    const lost = (await (
      await fetch(`${poisoned.apiUrl}/_sim/ground-truth?${q}&recovering=lost`)
    ).json()) as {
      ids: string[];
    };
    assert.deepEqual(lost.ids, truth.ifPoisonNeverRecovers.ids);
    const excluded = truth.poisonContentIds.slice(0, 2);
    const some = (await (
      await fetch(
        `${poisoned.apiUrl}/_sim/ground-truth?${q}&exclude=${excluded.map(encodeURIComponent).join(',')}`,
      )
    ).json()) as { excludedContentIds: string[] };
    assert.deepEqual(some.excludedContentIds, [...excluded].sort());
    const bad = await fetch(`${poisoned.apiUrl}/_sim/ground-truth?${q}&recovering=maybe`);
    assert.equal(bad.status, 400);
    const blobs = (await (await fetch(`${poisoned.apiUrl}/_sim/blobs?${q}`)).json()) as unknown[];
    assert.deepEqual(blobs, poisoned.blobs(DAY_FROM, T0));
  });
});
