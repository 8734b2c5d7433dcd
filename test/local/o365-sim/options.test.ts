import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_CREDENTIALS, startO365Sim, tenantsFromSetting } from '../../../local/o365-sim';

describe('o365-sim options', () => {
  it('refuses nonsense volumes, shares, delays and fault rates with the reason', async () => {
    await assert.rejects(startO365Sim({ port: 0, tenant: { recordsPerBlob: 0 } }), /recordsPerBlob/);
    await assert.rejects(startO365Sim({ port: 0, tenant: { userReportedShare: 2 } }), /userReportedShare/);
    await assert.rejects(
      startO365Sim({ port: 0, tenant: { airVerdictDelayMinutes: { min: 60, max: 10 } } }),
      /airVerdictDelayMinutes/,
    );
    await assert.rejects(startO365Sim({ port: 0, faults: { throttleRate: 1.5 } }), /throttleRate/);
    await assert.rejects(startO365Sim({ port: 0, pageSize: 0 }), /pageSize/);
  });

  it('takes credentials from O365_* settings when set, else the documented demo values', async () => {
    const saved = { ...process.env };
    try {
      delete process.env.O365_TENANT_ID;
      delete process.env.O365_CLIENT_ID;
      delete process.env.O365_CLIENT_SECRET;
      const demo = await startO365Sim({ port: 0 });
      await demo.close();
      assert.equal(demo.tenantId, DEMO_CREDENTIALS.tenantId);
      assert.equal(demo.clientSecret, DEMO_CREDENTIALS.clientSecret);
      process.env.O365_TENANT_ID = '12345678-1234-4234-8234-123456789012';
      process.env.O365_CLIENT_ID = '87654321-4321-4321-8321-210987654321';
      process.env.O365_CLIENT_SECRET = 'from-the-environment';
      const fromEnv = await startO365Sim({ port: 0 });
      await fromEnv.close();
      assert.equal(fromEnv.tenantId, '12345678-1234-4234-8234-123456789012');
      assert.equal(fromEnv.clientId, '87654321-4321-4321-8321-210987654321');
      assert.equal(fromEnv.clientSecret, 'from-the-environment');
      assert.match(fromEnv.apiUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      for (const key of ['O365_TENANT_ID', 'O365_CLIENT_ID', 'O365_CLIENT_SECRET']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it('serves one tenant named tenant-1 when no tenant list is given', async () => {
    const single = await startO365Sim({ port: 0, seed: 4, tenantId: DEMO_CREDENTIALS.tenantId });
    await single.close();
    assert.deepEqual(single.tenants, [{ tenantId: DEMO_CREDENTIALS.tenantId, name: 'tenant-1', seed: 4 }]);
    assert.equal(single.tenant(DEMO_CREDENTIALS.tenantId).seed, 4);
  });

  it('reads several tenants from a comma-separated O365_TENANT_ID, one tenant as no list', () => {
    assert.deepEqual(
      tenantsFromSetting(' 11111111-1111-4111-8111-111111111111 ,22222222-2222-4222-8222-222222222222,'),
      [
        { tenantId: '11111111-1111-4111-8111-111111111111' },
        { tenantId: '22222222-2222-4222-8222-222222222222' },
      ],
    );
    assert.equal(tenantsFromSetting('11111111-1111-4111-8111-111111111111'), undefined);
    assert.equal(tenantsFromSetting(undefined), undefined);
  });
});
