import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FatalApiError,
  InvalidNextPageError,
  InvalidWindowError,
  SubscriptionMissingError,
  WindowRejectedError,
} from '../../src/o365';
import { apiError, recentWindow, type Reply, ref, withFakeApi, TENANT, testClient } from './fake-api';

describe('listContent', () => {
  it('follows NextPageUri and NextPageUrl through empty pages, de-duplicates and sorts', async () => {
    await withFakeApi(
      (req, _count, api): Reply => {
        const page = req.query.get('nextPage');
        const base = `${api.feed}/subscriptions/content?contentType=Audit.General&startTime=${req.query.get('startTime')}`;
        if (page === null) {
          return {
            body: [ref(api, 'b', '2026-01-01T10:05:00.000Z'), ref(api, 'c', '2026-01-01T10:01:00.000Z')],
            headers: { NextPageUri: `${base}&endTime=${req.query.get('endTime')}&nextPage=p2` },
          };
        }
        if (page === 'p2') return { body: [], headers: { NextPageUrl: `${base}&nextPage=p3` } };
        // A blob listed twice, and one with the same time as another: contentId breaks the tie.
        return { body: [ref(api, 'c', '2026-01-01T10:01:00.000Z'), ref(api, 'a', '2026-01-01T10:05:00Z')] };
      },
      async (api) => {
        const { client } = testClient(api);
        const refs = await client.listContent('Audit.General', recentWindow());
        assert.deepEqual(
          refs.map((r) => r.contentId),
          ['c', 'a', 'b'],
        );
        assert.equal(api.requests.length, 3);
        for (const r of api.requests) {
          assert.equal(r.route, '/subscriptions/content');
          assert.equal(r.query.get('PublisherIdentifier'), TENANT, 'PublisherIdentifier on every page');
          assert.equal(r.headers.authorization, 'Bearer token-1');
        }
        assert.equal(client.stats().pages, 3);
      },
    );
  });

  it('sends the window as YYYY-MM-DDTHH:MM:SS, start inclusive and end exclusive as given', async () => {
    await withFakeApi(
      () => ({ body: [] }),
      async (api) => {
        const { client } = testClient(api, { publisherId: '99999999-0000-0000-0000-000000000000' });
        const w = recentWindow(24);
        await client.listContent('Audit.Exchange', { start: new Date(w.start), end: w.end });
        const q = api.requests[0]!.query;
        assert.equal(q.get('contentType'), 'Audit.Exchange');
        assert.equal(q.get('startTime'), w.start.slice(0, 19));
        assert.equal(q.get('endTime'), w.end.slice(0, 19));
        assert.equal(q.get('PublisherIdentifier'), '99999999-0000-0000-0000-000000000000');
      },
    );
  });

  it('refuses a 25-hour window, a start 8 days back and a reversed window without sending anything', async () => {
    await withFakeApi(
      () => ({ body: [] }),
      async (api) => {
        const { client } = testClient(api);
        const now = Date.now();
        const bad = [
          { start: new Date(now - 26 * 3_600_000), end: new Date(now - 3_600_000) },
          { start: new Date(now - 8 * 86_400_000), end: new Date(now - 8 * 86_400_000 + 3_600_000) },
          { start: new Date(now - 3_600_000), end: new Date(now - 7_200_000) },
        ];
        for (const w of bad) await assert.rejects(client.listContent('Audit.General', w), InvalidWindowError);
        assert.equal(api.requests.length, 0);
      },
    );
  });

  it('refuses to send its token to a next page on another origin', async () => {
    await withFakeApi(
      () => ({
        body: [],
        headers: {
          NextPageUri: 'http://attacker.invalid/api/v1.0/x/activity/feed/subscriptions/content?nextPage=2',
        },
      }),
      async (api) => {
        const { client } = testClient(api);
        await assert.rejects(client.listContent('Audit.General', recentWindow()), (e: unknown) => {
          assert.ok(e instanceof FatalApiError);
          assert.equal(e.code, 'UntrustedUrl');
          return true;
        });
        assert.equal(api.requests.length, 1);
      },
    );
  });

  it('stops a pagination loop', async () => {
    await withFakeApi(
      (req, _count, api) => ({
        body: [],
        headers: {
          NextPageUri: `${api.feed}/subscriptions/content?contentType=Audit.General&nextPage=${req.query.get('nextPage') === 'x' ? 'y' : 'x'}`,
        },
      }),
      async (api) => {
        const { client } = testClient(api);
        await assert.rejects(client.listContent('Audit.General', recentWindow()), /pagination does not end/);
        assert.ok(api.requests.length <= 4);
      },
    );
  });

  it('AF20031 throws the pages away and lists again from the first page', async () => {
    let failed = false;
    await withFakeApi(
      (req, _count, api) => {
        const page = req.query.get('nextPage');
        if (page === null) {
          return {
            body: [ref(api, 'first', '2026-01-01T10:00:00Z')],
            headers: {
              NextPageUri: `${api.feed}/subscriptions/content?contentType=Audit.General&nextPage=2`,
            },
          };
        }
        if (!failed) {
          failed = true;
          return apiError(400, 'AF20031', 'Invalid nextPage Input: 2.');
        }
        return { body: [ref(api, 'second', '2026-01-01T11:00:00Z')] };
      },
      async (api) => {
        const { client } = testClient(api);
        const refs = await client.listContent('Audit.General', recentWindow());
        assert.deepEqual(
          refs.map((r) => r.contentId),
          ['first', 'second'],
        );
        assert.deepEqual(
          api.requests.map((r) => r.query.get('nextPage')),
          [null, '2', null, '2'],
        );
        assert.equal(client.stats().listingRestarts, 1);
        assert.equal(client.stats().byErrorCode.AF20031, 1);
      },
    );
  });

  it('AF20031 on every restart ends in InvalidNextPageError', async () => {
    await withFakeApi(
      (req, _count, api) =>
        req.query.get('nextPage') === null
          ? { body: [], headers: { NextPageUri: `${api.feed}/subscriptions/content?nextPage=2` } }
          : apiError(400, 'AF20031'),
      async (api) => {
        const { client } = testClient(api);
        await assert.rejects(client.listContent('Audit.General', recentWindow()), InvalidNextPageError);
        assert.equal(api.requests.length, 8, 'the first listing and three restarts, two pages each');
      },
    );
  });

  for (const code of ['AF20022', 'AF20023']) {
    it(`${code} starts the subscription and lists again; a second start within 15 minutes is not sent`, async () => {
      let started = false;
      await withFakeApi(
        (req, _count, api) => {
          if (req.route === '/subscriptions/start') {
            started = true;
            return { body: { contentType: req.query.get('contentType'), status: 'enabled', webhook: null } };
          }
          if (!started) return apiError(400, code, 'No subscription found for the specified content type.');
          return { body: [ref(api, 'x', '2026-01-01T10:00:00Z')] };
        },
        async (api) => {
          const { client } = testClient(api);
          const refs = await client.listContent('Audit.General', recentWindow());
          assert.equal(refs.length, 1);
          assert.deepEqual(
            api.requests.map((r) => `${r.method} ${r.route}`),
            ['GET /subscriptions/content', 'POST /subscriptions/start', 'GET /subscriptions/content'],
          );
          assert.equal(api.requests[1]!.query.get('contentType'), 'Audit.General');
          assert.equal(api.requests[1]!.query.get('PublisherIdentifier'), TENANT);

          started = false; // disabled again by an admin
          await assert.rejects(client.listContent('Audit.General', recentWindow()), SubscriptionMissingError);
          assert.equal(api.requests.filter((r) => r.route === '/subscriptions/start').length, 1);
        },
      );
    });
  }

  for (const code of ['AF20030', 'AF20055']) {
    it(`${code}: learns the server clock from Date, clamps the window start and lists again`, async () => {
      const skewMs = 2 * 3_600_000; // the server is two hours ahead
      await withFakeApi(
        (req, _count, api) => {
          const serverNow = Date.now() + skewMs;
          const date = new Date(serverNow).toUTCString();
          const start = Date.parse(`${req.query.get('startTime')}Z`);
          if (start < serverNow - 7 * 86_400_000) {
            return apiError(400, code, 'startTime must be within the last 7 days.', { Date: date });
          }
          return { body: [ref(api, 'kept', '2026-01-01T10:00:00Z')], headers: { Date: date } };
        },
        async (api) => {
          const { client } = testClient(api);
          // Valid by the local clock (start 6 d 23 h back), 2 h outside by the server's.
          const start = Math.floor((Date.now() - 7 * 86_400_000 + 3_600_000) / 1000) * 1000;
          const refs = await client.listContent('Audit.General', {
            start: new Date(start),
            end: new Date(start + 4 * 3_600_000),
          });
          assert.equal(refs.length, 1);
          assert.equal(api.requests.length, 2);
          const retriedStart = Date.parse(`${api.requests[1]!.query.get('startTime')}Z`);
          const serverEdge = Date.now() + skewMs - 7 * 86_400_000;
          assert.ok(
            retriedStart >= serverEdge + 29 * 60_000,
            'start moved inside the server retention plus margin',
          );
          assert.equal(api.requests[1]!.query.get('endTime'), api.requests[0]!.query.get('endTime'));
          const stats = client.stats();
          assert.equal(stats.windowsClamped, 1);
          assert.ok(Math.abs(stats.clockSkewMs - skewMs) < 2_000, `skew ${stats.clockSkewMs}`);

          // With the skew learned, a later window is checked in server time before anything is sent.
          await assert.rejects(
            client.listContent('Audit.General', { start: new Date(start), end: new Date(start + 3_600_000) }),
            InvalidWindowError,
          );
          assert.equal(api.requests.length, 2);
        },
      );
    });
  }

  it('AF20055 for a window with nothing left inside retention ends in WindowRejectedError', async () => {
    await withFakeApi(
      () =>
        apiError(400, 'AF20055', 'too old', { Date: new Date(Date.now() + 3 * 86_400_000).toUTCString() }),
      async (api) => {
        const { client } = testClient(api);
        await assert.rejects(
          client.listContent('Audit.General', recentWindow(1, 24 * 60 * 5)),
          WindowRejectedError,
        );
        assert.equal(api.requests.length, 1);
      },
    );
  });
});
