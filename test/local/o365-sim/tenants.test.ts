import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import {
  type RunningSim,
  type SimTenantOptions,
  startO365Sim,
  USER_REPORTED_ALERT_NAME,
} from '../../../local/o365-sim';
import { call, listAll, type TenantClient, tenantClient, tokenIn } from './tenant-client';
import { HOUR, T0 } from '../../harness/sim-client';

const A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const C = 'cccccccc-0000-4000-8000-00000000000c';
const PUBLISHER = '99999999-0000-4000-8000-000000000099';
type Rec = Record<string, unknown>;

/** Runs `body` against a fresh simulator serving `tenants` on a clock standing at T0, and closes it afterwards. */
async function withSim(tenants: SimTenantOptions[], body: (sim: RunningSim) => Promise<void>): Promise<void> {
  const sim = await startO365Sim({ port: 0, clock: new VirtualClock(T0), tenants });
  try {
    await body(sim);
  } finally {
    await sim.close();
  }
}

async function crawl(
  client: TenantClient,
  fromMs: number,
  toMs: number,
  malformed: string[],
): Promise<Map<string, Rec>> {
  const records = new Map<string, Rec>();
  for (const e of await listAll(client, fromMs, toMs)) {
    if (malformed.includes(e.contentId)) continue;
    const r = await client.get(e.contentUri, PUBLISHER);
    assert.equal(r.status, 200, r.text);
    for (const rec of r.json<Rec[]>()) records.set(String(rec.Id), rec);
  }
  return records;
}

describe('o365-sim several tenants', () => {
  let sim: RunningSim;
  const clients = new Map<string, TenantClient>();
  before(async () => {
    sim = await startO365Sim({
      port: 0,
      clock: new VirtualClock(T0),
      seed: 40,
      tenant: { recordsPerHour: 150 },
      tenants: [
        { tenantId: A, name: 'Contoso' },
        { tenantId: B, name: 'Fabrikam', seed: 77, profile: { recordsPerHour: 400, recordsPerBlob: 25 } },
        { tenantId: C, profile: { userReportedShare: 0.4 }, faults: { malformedBlobRate: 0.3 } },
      ],
    });
    for (const id of [A, B, C]) {
      const client = await tenantClient(sim, id);
      assert.equal(
        (await client.post('subscriptions/start?contentType=Audit.General', PUBLISHER)).status,
        200,
      );
      clients.set(id, client);
    }
  });
  after(() => sim.close());

  it('lists the tenants with their names and seeds (default seed + index)', () => {
    assert.deepEqual(sim.tenants, [
      { tenantId: A, name: 'Contoso', seed: 40 },
      { tenantId: B, name: 'Fabrikam', seed: 77 },
      { tenantId: C, name: 'tenant-3', seed: 42 },
    ]);
    assert.equal(sim.tenantId, A);
    assert.throws(() => sim.tenant('dddddddd-0000-4000-8000-00000000000d'), /serves no tenant/);
  });

  it("gives each tenant its own content and ground truth, matching what that tenant's API serves", async () => {
    const seen = new Map<string, Set<string>>();
    for (const id of [A, B, C]) {
      const truth = sim.groundTruth(T0 - 12 * HOUR, T0, { tenantId: id });
      assert.equal(truth.tenantId, id);
      assert.deepEqual(truth, sim.tenant(id).groundTruth(T0 - 12 * HOUR, T0));
      const served = await crawl(
        clients.get(id) as TenantClient,
        T0 - 12 * HOUR,
        T0,
        truth.malformedContentIds,
      );
      assert.ok(truth.ids.length > 10, `tenant ${id} has a selection`);
      for (const row of truth.rows) {
        const record = served.get(row.Id);
        assert.ok(record, `${row.Id} is served by tenant ${id}`);
        assert.equal(record.OrganizationId, id);
        assert.equal(row.OrganizationId, id);
      }
      for (const a of truth.alerts) assert.equal(served.get(a.alertRecordId)?.Name, USER_REPORTED_ALERT_NAME);
      seen.set(id, new Set(truth.ids));
    }
    const [a, b, c] = [seen.get(A), seen.get(B), seen.get(C)] as Set<string>[];
    assert.ok(
      [...(a as Set<string>)].every((x) => !b?.has(x) && !c?.has(x)),
      'no record belongs to two tenants',
    );
    // Volumes, shares and faults are per tenant.
    const blobs = (id: string): number => sim.blobs(T0 - 12 * HOUR, T0, id).length;
    assert.ok(blobs(B) > 3 * blobs(A), `${blobs(B)} blobs for B vs ${blobs(A)} for A`);
    assert.ok(sim.groundTruth(T0 - 12 * HOUR, T0, { tenantId: C }).malformedContentIds.length > 0);
    assert.equal(sim.groundTruth(T0 - 12 * HOUR, T0, { tenantId: A }).malformedContentIds.length, 0);
  });

  it('issues tokens per tenant to the same multi-tenant app, and refuses a token on another tenant’s path', async () => {
    const tokenB = (clients.get(B) as TenantClient).token;
    assert.equal((await (clients.get(A) as TenantClient).get('subscriptions/list')).status, 200);
    const mismatch = await call(sim, `${sim.apiUrl}/api/v1.0/${A}/activity/feed/subscriptions/list`, {
      headers: { Authorization: `Bearer ${tokenB}` },
    });
    assert.equal(mismatch.status, 403);
    assert.equal(mismatch.json<{ error: { code: string } }>().error.code, 'AF20010');
    const unknown = await tokenIn(sim, 'dddddddd-0000-4000-8000-00000000000d');
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /AADSTS90002/);
  });

  it("keeps subscriptions per tenant: starting one tenant's feed does not start another's", async () => {
    await withSim([{ tenantId: A }, { tenantId: B }], async (fresh) => {
      const a = await tenantClient(fresh, A);
      const b = await tenantClient(fresh, B);
      assert.equal((await a.post('subscriptions/start?contentType=Audit.General', PUBLISHER)).status, 200);
      assert.equal((await a.get('subscriptions/list')).json<unknown[]>().length, 1);
      assert.deepEqual((await b.get('subscriptions/list')).json(), []);
    });
  });

  it("counts throttling per tenant and publisher: one tenant's faults and spent budget leave the others untouched", async () => {
    await withSim(
      [
        { tenantId: A, faults: { requestBudgetPerMinute: 3 } },
        { tenantId: B, faults: { throttleRate: 1, serverErrorRate: 0 } },
        { tenantId: C },
      ],
      async (throttledSim) => {
        const [a, b, c] = await Promise.all([A, B, C].map((id) => tenantClient(throttledSim, id)));
        const statuses = async (client: TenantClient, n: number, publisher?: string): Promise<number[]> => {
          const out: number[] = [];
          for (let i = 0; i < n; i++) out.push((await client.get('subscriptions/list', publisher)).status);
          return out;
        };
        // A spends its budget with one publisher; B is throttled on every call; C is never touched by either.
        const aFirst = await statuses(a as TenantClient, 6, PUBLISHER);
        const bAll = await statuses(b as TenantClient, 5, PUBLISHER);
        const cAll = await statuses(c as TenantClient, 10, PUBLISHER);
        // Another publisher has its own quota in tenant A.
        const aOther = await statuses(a as TenantClient, 3, '11111111-0000-4000-8000-000000000011');
        const minuteRolled = aFirst.filter((s) => s === 200).length > 3;
        if (!minuteRolled) assert.deepEqual(aFirst, [200, 200, 200, 429, 429, 429]);
        assert.deepEqual(bAll, [429, 429, 429, 429, 429]);
        assert.deepEqual(cAll, Array(10).fill(200));
        assert.deepEqual(aOther, [200, 200, 200]);

        const counters = throttledSim.counters();
        const byTenant = counters.byTenant ?? {};
        assert.equal(byTenant[C]?.throttled, 0);
        assert.equal(byTenant[C]?.faultsInjected.overBudget, 0);
        assert.equal(byTenant[B]?.faultsInjected.throttle, 5);
        assert.equal(byTenant[B]?.faultsInjected.overBudget, 0);
        assert.equal(byTenant[A]?.faultsInjected.throttle, 0);
        if (!minuteRolled) assert.equal(byTenant[A]?.budget.byPublisher[PUBLISHER]?.rejected, 3);
        assert.equal(byTenant[A]?.budget.byPublisher['11111111-0000-4000-8000-000000000011']?.accepted, 3);
        assert.equal(byTenant[C]?.budget.byPublisher[PUBLISHER]?.accepted, 10);
        // The whole-simulator view adds the tenants up.
        assert.equal(
          counters.throttled,
          [A, B, C].reduce((n, id) => n + (byTenant[id]?.throttled ?? 0), 0),
        );
        assert.equal(counters.requests.subscriptions, 6 + 5 + 10 + 3);
        assert.deepEqual(throttledSim.tenant(C).counters(), byTenant[C]);
      },
    );
  });

  it('changes faults and scripted answers for one tenant only when asked to', async () => {
    await withSim([{ tenantId: A }, { tenantId: B }], async (local) => {
      const a = await tenantClient(local, A);
      const b = await tenantClient(local, B);
      local.setFaults({ serverErrorRate: 1 }, B);
      assert.equal(local.tenant(A).faults().serverErrorRate, 0);
      assert.equal((await a.get('subscriptions/list')).status, 200);
      assert.ok([500, 503].includes((await b.get('subscriptions/list')).status));
      local.setFaults({ serverErrorRate: 0 });
      local.script([{ match: 'subscriptions', status: 503, tenantId: A, times: 2 }]);
      assert.equal((await b.get('subscriptions/list')).status, 200, 'the rule is for tenant A only');
      assert.equal((await a.get('subscriptions/list')).status, 503);
      assert.equal((await a.get('subscriptions/list')).status, 503);
      assert.equal((await a.get('subscriptions/list')).status, 200);
      // The admin routes take ?tenant= as well.
      const post = await fetch(`${local.apiUrl}/_sim/faults?tenant=${B}`, {
        method: 'POST',
        body: JSON.stringify({ throttleRate: 1 }),
      });
      assert.equal(post.status, 200);
      assert.equal(local.tenant(B).faults().throttleRate, 1);
      assert.equal(local.tenant(A).faults().throttleRate, 0);
      const listed = (await (await fetch(`${local.apiUrl}/_sim/tenants`)).json()) as { tenantId: string }[];
      assert.deepEqual(
        listed.map((t) => t.tenantId),
        [A, B],
      );
      const unknown = await fetch(`${local.apiUrl}/_sim/counters?tenant=nope`);
      assert.equal(unknown.status, 404);
      const truth = (await (
        await fetch(
          `${local.apiUrl}/_sim/ground-truth?tenant=${B}&from=${new Date(T0 - 6 * HOUR).toISOString()}&to=${new Date(T0).toISOString()}`,
        )
      ).json()) as { tenantId: string; ids: string[] };
      assert.equal(truth.tenantId, B);
      assert.deepEqual(truth.ids, local.groundTruth(T0 - 6 * HOUR, T0, { tenantId: B }).ids);
    });
  });

  it('takes per-tenant credentials, so one tenant can refuse the shared secret (as with an expired one)', async () => {
    await withSim([{ tenantId: A }, { tenantId: B, clientSecret: 'rotated-in-tenant-b' }], async (local) => {
      assert.equal((await tokenIn(local, A)).status, 200);
      const refused = await tokenIn(local, B);
      assert.equal(refused.status, 401);
      assert.match(refused.text, /AADSTS7000215/);
      assert.equal((await tokenIn(local, B, undefined, 'rotated-in-tenant-b')).status, 200);
      assert.equal(local.counters().byTenant?.[B]?.byCode.invalid_client, 1);
      assert.equal(local.counters().byTenant?.[A]?.byCode.invalid_client, undefined);
    });
  });

  it('refuses tenant lists that cannot work, naming the tenant and the problem', async () => {
    await assert.rejects(startO365Sim({ port: 0, tenants: [] }), /non-empty/);
    await assert.rejects(
      startO365Sim({ port: 0, tenants: [{ tenantId: 'contoso' }] }),
      /tenants\[0\]\.tenantId must be a GUID/,
    );
    await assert.rejects(
      startO365Sim({ port: 0, tenants: [{ tenantId: A }, { tenantId: A }] }),
      /listed twice/,
    );
    await assert.rejects(
      startO365Sim({ port: 0, tenantId: A, tenants: [{ tenantId: B }] }),
      /inside each of `tenants`/,
    );
    await assert.rejects(
      startO365Sim({ port: 0, tenants: [{ tenantId: A }, { tenantId: B, faults: { throttleRate: 3 } }] }),
      /tenants\[1\].*throttleRate/,
    );
  });
});
