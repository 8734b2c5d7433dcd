import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { START_INTERVAL_MS } from '../../src/o365';
import { apiError, withFakeApi, TENANT, testClient } from './fake-api';

describe('subscriptions', () => {
  it('lists subscriptions with PublisherIdentifier', async () => {
    const list = [
      { contentType: 'Audit.SharePoint', status: 'enabled', webhook: null },
      { contentType: 'Audit.Exchange', webhook: null },
    ];
    await withFakeApi(
      () => ({ body: list }),
      async (api) => {
        const { client } = testClient(api);
        assert.deepEqual(await client.listSubscriptions(), list);
        assert.equal(api.requests[0]!.route, '/subscriptions/list');
        assert.equal(api.requests[0]!.query.get('PublisherIdentifier'), TENANT);
      },
    );
  });

  it('starts a subscription with POST subscriptions/start?contentType=', async () => {
    await withFakeApi(
      () => ({
        body: { contentType: 'DLP.All', status: 'enabled', webhook: null },
      }),
      async (api) => {
        const { client } = testClient(api);
        assert.deepEqual(await client.startSubscription('DLP.All'), {
          contentType: 'DLP.All',
          status: 'enabled',
          webhook: null,
        });
        assert.equal(api.requests[0]!.method, 'POST');
        assert.equal(api.requests[0]!.query.get('contentType'), 'DLP.All');
        assert.equal(client.stats().subscriptionStarts, 1);
      },
    );
  });

  it('AF20024 "already enabled" (HTTP 400) is success', async () => {
    await withFakeApi(
      () => apiError(400, 'AF20024', 'The subscription is already enabled. No property change.'),
      async (api) => {
        const { client } = testClient(api);
        const s = await client.startSubscription('Audit.General');
        assert.equal(s.status, 'enabled');
        assert.equal(api.requests.length, 1);
      },
    );
  });

  it('ensureSubscriptions starts what is missing, at most once per content type per 15 minutes', async () => {
    const enabled = new Set(['Audit.Exchange']);
    let refuseStarts = true;
    await withFakeApi(
      (req) => {
        if (req.route === '/subscriptions/list') {
          return {
            body: ['Audit.Exchange', 'Audit.General', 'DLP.All'].map((c) => ({
              contentType: c,
              status: enabled.has(c) ? 'enabled' : 'disabled',
              webhook: null,
            })),
          };
        }
        const ct = req.query.get('contentType')!;
        if (!refuseStarts) enabled.add(ct);
        return { body: { contentType: ct, status: 'enabled', webhook: null } };
      },
      async (api) => {
        let now = Date.parse('2026-03-10T12:00:00Z');
        const { client } = testClient(api, { now: () => now });
        const first = await client.ensureSubscriptions(['Audit.Exchange', 'Audit.General']);
        assert.deepEqual(first, {
          alreadyEnabled: ['Audit.Exchange'],
          started: ['Audit.General'],
          deferred: [],
        });

        // The start did not take (still disabled): no second attempt within 15 minutes.
        now += 14 * 60_000;
        const second = await client.ensureSubscriptions(['Audit.General']);
        assert.deepEqual(second.started, []);
        assert.deepEqual(second.deferred, [
          {
            contentType: 'Audit.General',
            nextAttemptAt: new Date(now - 14 * 60_000 + START_INTERVAL_MS).toISOString(),
          },
        ]);

        now += 60_000;
        refuseStarts = false;
        const third = await client.ensureSubscriptions(['Audit.General']);
        assert.deepEqual(third.started, ['Audit.General']);
        const fourth = await client.ensureSubscriptions(['Audit.General']);
        assert.deepEqual(fourth.alreadyEnabled, ['Audit.General']);
        assert.equal(api.requests.filter((r) => r.route === '/subscriptions/start').length, 2);
      },
    );
  });

  it('the 15-minute guard is shared by clients of the same tenant in one process', async () => {
    await withFakeApi(
      (req) =>
        req.route === '/subscriptions/list'
          ? { body: [] }
          : { body: { contentType: 'Audit.General', status: 'enabled' } },
      async (api) => {
        await testClient(api).client.ensureSubscriptions(['Audit.General']);
        const again = await testClient(api).client.ensureSubscriptions(['Audit.General']);
        assert.equal(again.deferred.length, 1);
        assert.equal(api.requests.filter((r) => r.route === '/subscriptions/start').length, 1);
      },
    );
  });
});
