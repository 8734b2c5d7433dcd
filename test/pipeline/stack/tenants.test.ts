/**
 * Three tenants in one deployment for two simulated days, one of them with request and content faults on and poison
 * blobs: each tenant's slice of the table equals its own ground truth, rows carry their tenant's name, each tenant has
 * its own loop, checkpoint, ledger and parked set, and the faulty tenant's throttling, retries and poison blobs do not
 * hold the others back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HOUR, runTwoSimulatedDays, type E2eStack } from '../../harness/stack-harness';

const CONTOSO = '0f6b9f5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b';
const FABRIKAM = '7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d';
const NORTHWIND = 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f';
const NAMES: Record<string, string> = {
  [CONTOSO]: 'Contoso',
  [FABRIKAM]: 'Fabrikam',
  [NORTHWIND]: 'Northwind',
};

interface TenantStatus {
  tenantId: string;
  tenantName: string;
  instanceId: string;
  runtimeStatus: string;
  checkpoint: { nextStart: string; origin: string; windowsDone: number; tenantId?: string } | null;
  faults: { requests: number; throttled: number; retries: number } | null;
  parked: { count: number; blobs: { contentId: string }[] };
}

describe('three tenants in one deployment', () => {
  let stack: E2eStack;
  let until: number;
  let tenants: TenantStatus[];

  before(async () => {
    ({ stack, until } = await runTwoSimulatedDays({
      sim: {
        seed: 11,
        tenants: [
          { tenantId: CONTOSO, profile: { recordsPerHour: 60, recordsPerBlob: 30 } },
          { tenantId: FABRIKAM, profile: { recordsPerHour: 40, recordsPerBlob: 20 } },
          {
            tenantId: NORTHWIND,
            profile: { recordsPerHour: 60, recordsPerBlob: 20 },
            faults: {
              throttleRate: 0.15,
              serverErrorRate: 0.05,
              duplicateRecordRate: 0.05,
              duplicateListingRate: 0.1,
              malformedBlobRate: 0.03,
              // Poison: blobs whose content URI answers a bare 404 every time.
              notFoundBlobRate: 0.03,
            },
          },
        ],
      },
      settings: {
        O365_TENANT_ID: [CONTOSO, FABRIKAM, NORTHWIND].join(','),
        O365_TENANTS: JSON.stringify(
          Object.fromEntries(Object.entries(NAMES).map(([id, name]) => [id, { name }])),
        ),
      },
    }));
    const status = (await stack.status()) as unknown as { tenants: TenantStatus[] };
    tenants = status.tenants;
  });
  after(async () => {
    await stack?.dispose();
  });

  it('runs one loop per tenant, the first under the single-tenant name', () => {
    assert.deepEqual(
      tenants.map((t) => [t.tenantId, t.tenantName, t.instanceId]),
      [
        [CONTOSO, 'Contoso', 'o365-pipeline'],
        [FABRIKAM, 'Fabrikam', `o365-pipeline-${FABRIKAM}`],
        [NORTHWIND, 'Northwind', `o365-pipeline-${NORTHWIND}`],
      ],
    );
    for (const t of tenants)
      assert.equal(t.checkpoint?.tenantId, t.tenantId, 'each checkpoint names its tenant');
  });

  it("every tenant's slice of the table equals its own ground truth, without duplicates", async () => {
    const rows = await stack.rows();
    for (const t of tenants) {
      const checkpoint = t.checkpoint!;
      const truth = stack.sim!.groundTruth(Date.parse(checkpoint.origin), Date.parse(checkpoint.nextStart), {
        tenantId: t.tenantId,
      });
      const mine = rows.filter((r) => r.OrganizationId === t.tenantId);
      const ids = mine.map((r) => r.Id).sort();
      assert.ok(truth.ids.length > 10, `${t.tenantName} selected something (${truth.ids.length})`);
      assert.equal(new Set(ids).size, ids.length, `${t.tenantName}: no duplicates`);
      assert.deepEqual(ids, truth.ids, `${t.tenantName}: table equals ground truth`);
      assert.ok(
        mine.every((r) => r.TenantName === NAMES[t.tenantId]),
        `${t.tenantName}: TenantName column`,
      );
    }
    assert.equal(
      rows.filter((r) => !NAMES[r.OrganizationId]).length,
      0,
      'no row without a configured tenant',
    );
  });

  it("the faulty tenant's throttling and poison blobs stay its own, and no tenant falls behind", () => {
    const faulty = tenants.find((t) => t.tenantId === NORTHWIND)!;
    const poison = stack.sim!.groundTruth(
      Date.parse(faulty.checkpoint!.origin),
      Date.parse(faulty.checkpoint!.nextStart),
      { tenantId: NORTHWIND },
    ).poisonContentIds;
    assert.ok(poison.length > 0, 'the faulty tenant served poison blobs');
    assert.deepEqual(
      faulty.parked.blobs.map((b) => b.contentId).sort(),
      [...poison].sort(),
      'its poison blobs are parked',
    );
    for (const t of tenants.filter((x) => x.tenantId !== NORTHWIND)) assert.equal(t.parked.count, 0);
    assert.ok(faulty.faults!.throttled > 0 && faulty.faults!.retries > 0, JSON.stringify(faulty.faults));
    for (const t of tenants.filter((x) => x.tenantId !== NORTHWIND)) {
      assert.equal(t.faults!.throttled, 0, `${t.tenantName} was never throttled`);
    }
    for (const t of tenants) {
      assert.ok(
        Date.parse(t.checkpoint!.nextStart) >= until - 2 * HOUR,
        `${t.tenantName} caught up (checkpoint ${t.checkpoint!.nextStart})`,
      );
    }
  });

  it('each tenant has its own ledger, and the windows route asks which tenant when there are several', async () => {
    const c = tenants[0].checkpoint!;
    const ambiguous = await stack.call('GET', `/api/pipeline/windows?from=${c.origin}&to=${c.nextStart}`);
    assert.equal(ambiguous.status, 400);
    assert.match(JSON.stringify(ambiguous.body), /tenant/);
    for (const t of tenants) {
      const reply = await stack.call(
        'GET',
        `/api/pipeline/windows?from=${t.checkpoint!.origin}&to=${t.checkpoint!.nextStart}&tenant=${t.tenantName}`,
      );
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const windows = (reply.body as { windows: { tenantId: string; status: string }[] }).windows;
      assert.equal(windows.length, t.checkpoint!.windowsDone, `${t.tenantName}: one ledger entry per window`);
      assert.ok(windows.every((w) => w.tenantId === t.tenantId && w.status === 'done'));
    }
  });
});
