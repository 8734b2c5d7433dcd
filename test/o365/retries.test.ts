import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FatalApiError, ThrottledError, TransientApiError, UnauthorizedError } from '../../src/o365';
import { apiError, type Handler, type Reply, startFakeApi, withFakeApi, testClient } from './fake-api';

const BLOB = (feed: string) => `${feed}/audit/blob-1`;
const RECORDS = [
  { Id: 'r1', RecordType: 40, CreationTime: '2026-01-01T10:00:00', Operation: 'AlertTriggered' },
];

/** Answers the first `failures` requests with `failure`, then the blob. */
function failingThenOk(failure: Reply, failures = 1): Handler {
  return (_req, n) => (n <= failures ? failure : { body: RECORDS });
}

describe('retry policy', () => {
  const retryable: [string, Reply][] = [
    ['HTTP 429 without a code', { status: 429, body: '' }],
    ['AF429 as HTTP 429', apiError(429, 'AF429', 'Too many requests. Method=GetBlob, PublisherId=x')],
    [
      'AF429 as HTTP 403 on a blob fetch',
      apiError(403, 'AF429', 'Too many requests. Method=GetBlob, PublisherId=x'),
    ],
    ['HTTP 500', { status: 500, body: 'oops' }],
    ['HTTP 502', { status: 502, body: '' }],
    ['HTTP 503', { status: 503, body: '' }],
    ['HTTP 408', { status: 408, body: '' }],
    ['AF50000', apiError(500, 'AF50000', 'An internal server error occurred. Retry the request.')],
    ['AF50005', apiError(500, 'AF50005')],
    ['AF50006', apiError(500, 'AF50006')],
  ];
  for (const [name, failure] of retryable) {
    it(`retries ${name}`, async () => {
      await withFakeApi(failingThenOk(failure, 2), async (api) => {
        const { client } = testClient(api);
        assert.deepEqual(await client.fetchContent(BLOB(api.feed)), RECORDS);
        assert.equal(api.requests.length, 3);
        const stats = client.stats();
        assert.equal(stats.retries, 2);
        assert.equal(stats.requests, 3);
        const throttling = name.includes('429');
        assert.equal(stats.throttled, throttling ? 2 : 0);
        const key =
          failure.body && typeof failure.body === 'object'
            ? (failure.body as { error: { code: string } }).error.code
            : `HTTP ${failure.status}`;
        assert.equal(stats.byErrorCode[key], 2, JSON.stringify(stats.byErrorCode));
      });
    });
  }

  it('gives up after maxAttempts with a retryable TransientApiError', async () => {
    await withFakeApi(
      () => apiError(503, 'AF50000'),
      async (api) => {
        const { client } = testClient(api);
        await assert.rejects(client.fetchContentText(BLOB(api.feed)), (e: unknown) => {
          assert.ok(e instanceof TransientApiError);
          assert.equal(e.retryable, true);
          assert.equal(e.code, 'AF50000');
          assert.equal(e.status, 503);
          return true;
        });
        assert.equal(api.requests.length, 4);
      },
    );
  });

  it('gives up on persistent throttling with a ThrottledError', async () => {
    await withFakeApi(
      () => apiError(403, 'AF429'),
      async (api) => {
        const { client } = testClient(api);
        await assert.rejects(client.fetchContentText(BLOB(api.feed)), ThrottledError);
        assert.equal(api.requests.length, 4);
        assert.equal(client.stats().throttled, 4);
      },
    );
  });

  it('honours Retry-After, and holds other calls of the tenant meanwhile', async () => {
    await withFakeApi(
      (req, n) =>
        n === 1
          ? apiError(429, 'AF429', 'slow down', { 'Retry-After': '1' })
          : { body: req.route.endsWith('other') ? [] : RECORDS },
      async (api) => {
        const { client } = testClient(api, {
          retry: { maxDelayMs: 5_000, baseDelayMs: 1, timeoutMs: 2_000 },
        });
        const first = client.fetchContent(BLOB(api.feed));
        await new Promise((r) => setTimeout(r, 100));
        const other = client.fetchContent(`${api.feed}/audit/other`);
        await Promise.all([first, other]);
        const [throttled, ...rest] = api.requests;
        for (const r of rest)
          assert.ok(r.at - throttled!.at >= 990, `sent ${r.at - throttled!.at} ms after the 429`);
        assert.ok(client.stats().budget.pauses >= 1);
      },
    );
  });

  it('does not sleep through a Retry-After longer than maxDelayMs: ThrottledError carries it', async () => {
    await withFakeApi(
      () => apiError(429, 'AF429', 'slow down', { 'Retry-After': '600' }),
      async (api) => {
        const { client } = testClient(api);
        await assert.rejects(client.fetchContentText(BLOB(api.feed)), (e: unknown) => {
          assert.ok(e instanceof ThrottledError);
          assert.equal(e.retryAfterMs, 600_000);
          return true;
        });
        assert.equal(api.requests.length, 1);
        // Other calls of the tenant fail fast instead of blocking for ten minutes.
        await assert.rejects(client.fetchContentText(`${api.feed}/audit/other`), (e: unknown) => {
          assert.ok(e instanceof ThrottledError);
          assert.ok(e.retryAfterMs! > 590_000);
          return true;
        });
        assert.equal(api.requests.length, 1);
      },
    );
  });

  it('retries a request that times out', async () => {
    await withFakeApi(
      (_req, n) => (n === 1 ? { hang: true } : { body: RECORDS }),
      async (api) => {
        const { client } = testClient(api, { retry: { timeoutMs: 200, baseDelayMs: 1, maxDelayMs: 10 } });
        assert.deepEqual(await client.fetchContent(BLOB(api.feed)), RECORDS);
        assert.equal(client.stats().byErrorCode.Timeout, 1);
      },
    );
  });

  it('retries a refused connection and reports NetworkError when it persists', async () => {
    const api = await startFakeApi(() => ({ body: [] }));
    const url = api.url;
    await api.close();
    const { client } = testClient({ ...api, url });
    await assert.rejects(client.fetchContentText(BLOB(api.feed)), (e: unknown) => {
      assert.ok(e instanceof TransientApiError);
      assert.equal(e.code, 'NetworkError');
      return true;
    });
    assert.equal(client.stats().byErrorCode.NetworkError, 4);
  });

  it('on 401 gets a new token once and retries with it', async () => {
    await withFakeApi(
      (req) =>
        req.headers.authorization === 'Bearer token-1' ? { status: 401, body: '' } : { body: RECORDS },
      async (api) => {
        const { client, credential } = testClient(api);
        assert.deepEqual(await client.fetchContent(BLOB(api.feed)), RECORDS);
        assert.equal(credential.calls, 2);
        assert.equal(api.requests[1]!.headers.authorization, 'Bearer token-2');
        assert.equal(client.stats().tokenRefreshes, 1);
        // The new token is kept for later calls.
        await client.fetchContent(BLOB(api.feed));
        assert.equal(credential.calls, 2);
      },
    );
  });

  it('a second 401 after the refresh is an UnauthorizedError', async () => {
    await withFakeApi(
      () => ({ status: 401, body: '' }),
      async (api) => {
        const { client, credential } = testClient(api);
        await assert.rejects(client.fetchContentText(BLOB(api.feed)), UnauthorizedError);
        assert.equal(api.requests.length, 2);
        assert.equal(credential.calls, 2);
      },
    );
  });

  it('asks the credential for <apiUrl>/.default once for many concurrent calls', async () => {
    await withFakeApi(
      () => ({ body: RECORDS }),
      async (api) => {
        const { client, credential } = testClient(api);
        await Promise.all(Array.from({ length: 5 }, () => client.fetchContent(BLOB(api.feed))));
        assert.equal(credential.calls, 1);
        assert.deepEqual(credential.scopes, [`${api.url}/.default`]);
      },
    );
  });

  const fatal = [
    'AF10001',
    'AF20001',
    'AF20002',
    'AF20003',
    'AF20010',
    'AF20011',
    'AF20012',
    'AF20013',
    'AF20020',
  ];
  for (const code of fatal) {
    it(`${code} is fatal at once`, async () => {
      await withFakeApi(
        () => apiError(code === 'AF10001' ? 401 : 400, code, `${code} says no`),
        async (api) => {
          const { client } = testClient(api);
          await assert.rejects(client.listSubscriptions(), (e: unknown) => {
            assert.ok(e instanceof FatalApiError);
            assert.equal(e.code, code);
            assert.equal(e.retryable, false);
            assert.match(e.message, new RegExp(`${code} says no`));
            return true;
          });
          assert.equal(api.requests.length, 1);
        },
      );
    });
  }

  it('"Tenant ... does not exist." (unified auditing off) is fatal despite the 5xx', async () => {
    await withFakeApi(
      () => ({ status: 500, body: 'Tenant 1111 does not exist.' }),
      async (api) => {
        const { client } = testClient(api);
        await assert.rejects(client.listSubscriptions(), FatalApiError);
        assert.equal(api.requests.length, 1);
      },
    );
  });

  it('never puts the token in an error message', async () => {
    await withFakeApi(
      () => apiError(400, 'AF20002'),
      async (api) => {
        const { client } = testClient(api);
        const err = await client.listSubscriptions().catch((e: unknown) => e as Error);
        assert.ok(err instanceof Error);
        assert.doesNotMatch(`${err.message} ${err.stack}`, /token-1/);
      },
    );
  });
});
