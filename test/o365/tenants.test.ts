import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { TenantConfig } from '../../src/config';
import {
  blobFailureKind,
  ContentTooLargeError,
  createManagementApiClient,
  CredentialError,
  sharedManagementApiClient,
  ThrottledError,
} from '../../src/o365';
import { CountingCredential, failingCredential, withFakeApi } from './fake-api';

function tenant(apiUrl: string, overrides: Partial<TenantConfig> = {}): TenantConfig {
  const tenantId = randomUUID();
  return {
    tenantId,
    name: tenantId,
    cloud: 'Commercial',
    loginUrl: 'https://login.microsoftonline.com',
    apiUrl,
    auth: { kind: 'clientSecret', clientId: randomUUID(), clientSecret: 'not-a-real-secret' },
    contentTypes: ['Audit.General'],
    publisherId: tenantId,
    requestsPerMinute: 2000,
    enabled: true,
    maxContentBytes: 1024 * 1024,
    ...overrides,
  };
}

const fastRetry = { baseDelayMs: 1, maxDelayMs: 50, timeoutMs: 2_000, maxAttempts: 3 };

describe('tenants are isolated', () => {
  it('a throttled tenant’s paused budget does not hold back another tenant on the same API root', async () => {
    let throttledTenant = '';
    await withFakeApi(
      (req) =>
        req.route.includes(throttledTenant)
          ? {
              status: 429,
              headers: { 'retry-after': '300' },
              body: { error: { code: 'AF429', message: 'slow down' } },
            }
          : { body: [] },
      async (api) => {
        const a = tenant(api.url);
        const b = tenant(api.url);
        throttledTenant = a.tenantId;
        const clientA = await createManagementApiClient(a, {
          credential: new CountingCredential(),
          retry: fastRetry,
        });
        const clientB = await createManagementApiClient(b, {
          credential: new CountingCredential(),
          retry: fastRetry,
        });

        await assert.rejects(clientA.listSubscriptions(), ThrottledError);
        const sentBefore = api.requests.length;
        // A's budget now holds every A caller for 300 s: the next A call fails fast without sending anything.
        await assert.rejects(clientA.listSubscriptions(), (e: unknown) => {
          assert.ok(e instanceof ThrottledError);
          assert.equal(e.code, 'BudgetPaused');
          return true;
        });
        assert.equal(api.requests.length, sentBefore);

        const started = Date.now();
        for (let i = 0; i < 5; i++) assert.deepEqual(await clientB.listSubscriptions(), []);
        assert.ok(Date.now() - started < 1_000);
        const statsB = clientB.stats();
        assert.equal(statsB.requests, 5);
        assert.equal(statsB.throttled, 0);
        assert.equal(statsB.budget.pauses, 0);
        assert.equal(statsB.budget.waits, 0);
        assert.equal(clientA.stats().budget.pauses, 1);
        assert.equal(clientA.stats().throttled, 1);
      },
    );
  });

  it('each tenant has its own request budget: an exhausted one does not make another wait', async () => {
    await withFakeApi(
      () => ({ body: [] }),
      async (api) => {
        const small = tenant(api.url, { requestsPerMinute: 1 });
        const large = tenant(api.url, { requestsPerMinute: 600 });
        const clientSmall = await createManagementApiClient(small, { credential: new CountingCredential() });
        const clientLarge = await createManagementApiClient(large, { credential: new CountingCredential() });
        await clientSmall.listSubscriptions();
        // The small tenant's next grant is a minute away; the large tenant's ten requests (capacity 10 per second)
        // are granted at once.
        const started = Date.now();
        await Promise.all(Array.from({ length: 10 }, () => clientLarge.listSubscriptions()));
        assert.ok(Date.now() - started < 1_000);
        assert.equal(clientLarge.stats().budget.waits, 0);
        assert.equal(clientLarge.stats().budget.requestsPerMinute, 600);
        assert.equal(clientSmall.stats().budget.requestsPerMinute, 1);
        assert.equal(clientSmall.stats().budget.granted, 1);
      },
    );
  });

  it('one tenant’s failing credential leaves another tenant’s token cache and calls untouched', async () => {
    await withFakeApi(
      () => ({ body: [] }),
      async (api) => {
        const failing = failingCredential(
          'AADSTS700024: Client assertion is not within its valid time range.',
        );
        const good = new CountingCredential();
        const clientA = await createManagementApiClient(tenant(api.url), { credential: failing });
        const clientB = await createManagementApiClient(tenant(api.url), { credential: good });
        const error = await clientA.listSubscriptions().catch((e: unknown) => e);
        assert.ok(error instanceof CredentialError);
        assert.equal(blobFailureKind(error), 'tenant');
        await clientB.listSubscriptions();
        await clientB.listSubscriptions();
        assert.equal(good.calls, 1);
        assert.equal(api.requests.length, 2);
        assert.equal(clientB.stats().byErrorCode.TokenRequestFailed, undefined);
      },
    );
  });

  it('the client takes its content cap from the tenant settings', async () => {
    await withFakeApi(
      () => ({ body: 'x'.repeat(64) }),
      async (api) => {
        const client = await createManagementApiClient(tenant(api.url, { maxContentBytes: 32 }), {
          credential: new CountingCredential(),
        });
        await assert.rejects(client.fetchContentText(`${api.url}/audit/x`), ContentTooLargeError);
      },
    );
  });

  it('sharedManagementApiClient gives one client per tenant and settings', async () => {
    const a = tenant('https://manage.office.com');
    const b = tenant('https://manage.office.com');
    const [a1, a2, b1] = await Promise.all([
      sharedManagementApiClient(a),
      sharedManagementApiClient({ ...a }),
      sharedManagementApiClient(b),
    ]);
    assert.equal(a1, a2);
    assert.notEqual(a1, b1);
    const aFaster = await sharedManagementApiClient({ ...a, requestsPerMinute: 10 });
    assert.notEqual(aFaster, a1);
    const aGcc = await sharedManagementApiClient({
      ...a,
      cloud: 'GCC',
      apiUrl: 'https://manage-gcc.office.com',
    });
    assert.notEqual(aGcc, a1);
  });
});
