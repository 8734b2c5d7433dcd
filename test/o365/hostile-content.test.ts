import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  blobFailureKind,
  checkContentReference,
  ContentRejectedError,
  ContentTooLargeError,
  CredentialError,
  InvalidContentReferenceError,
  ManagementApiClient,
  parseAuditContent,
  UntrustedContentUriError,
} from '../../src/o365';
import {
  apiError,
  CountingCredential,
  failingCredential,
  type Handler,
  recentWindow,
  ref,
  withFakeApi,
  TENANT,
  testClient,
} from './fake-api';

const record = (id: string) => ({
  Id: id,
  RecordType: 40,
  CreationTime: '2026-01-01T00:00:00',
  Operation: 'AlertTriggered',
});

describe('blob size cap', () => {
  it('a body whose Content-Length is over the cap is refused unread with ContentTooLargeError, counted, not retried', async () => {
    const body = JSON.stringify([record('a'), record('b')]);
    await withFakeApi(
      () => ({
        body,
        headers: { 'content-length': String(Buffer.byteLength(body)) },
      }),
      async (api) => {
        const { client } = testClient(api, { maxContentBytes: 20 });
        await assert.rejects(client.fetchContentText(`${api.feed}/audit/big`), (e: unknown) => {
          assert.ok(e instanceof ContentTooLargeError);
          assert.equal(e.limitBytes, 20);
          assert.equal(e.declaredBytes, Buffer.byteLength(body));
          assert.equal(blobFailureKind(e), 'permanent');
          return true;
        });
        assert.equal(api.requests.length, 1);
        assert.equal(client.stats().byErrorCode.ContentTooLarge, 1);
      },
    );
  });

  it('a streamed body without Content-Length stops being read at the cap: the server sees the connection closed early', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const totalChunks = 200;
    let written = 0;
    let closedEarly: Promise<boolean> | undefined;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      closedEarly = new Promise((resolve) => {
        res.on('close', () => resolve(written < totalChunks));
      });
      const pump = () => {
        while (written < totalChunks) {
          written++;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const client = new ManagementApiClient({
        tenantId: TENANT,
        apiUrl: url,
        credential: new CountingCredential(),
        maxContentBytes: 256 * 1024,
        retry: { baseDelayMs: 1, maxDelayMs: 50, timeoutMs: 5_000, maxAttempts: 3 },
      });
      await assert.rejects(
        client.fetchContentText(`${url}/api/v1.0/${TENANT}/activity/feed/audit/huge`),
        ContentTooLargeError,
      );
      assert.equal(await closedEarly, true);
      assert.ok(written < totalChunks, `${written} of ${totalChunks} chunks were written`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a body exactly at the cap is read whole', async () => {
    const body = JSON.stringify([record('a')]);
    await withFakeApi(
      () => ({ body }),
      async (api) => {
        const { client } = testClient(api, { maxContentBytes: Buffer.byteLength(body) });
        assert.equal(await client.fetchContentText(`${api.feed}/audit/fits`), body);
      },
    );
  });
});

describe('contentUri trust', () => {
  it('a contentUri on another host, scheme or port is refused before any request, token request included', async () => {
    await withFakeApi(
      () => ({ body: [] }),
      async (api) => {
        const { client, credential } = testClient(api);
        const port = new URL(api.url).port;
        for (const uri of [
          `http://attacker.invalid/api/v1.0/${TENANT}/activity/feed/audit/x`,
          `https://127.0.0.1:${port}/api/v1.0/${TENANT}/activity/feed/audit/x`,
          `http://127.0.0.1:${Number(port) + 1}/api/v1.0/${TENANT}/activity/feed/audit/x`,
          'not a url',
        ]) {
          await assert.rejects(client.fetchContentText(uri), (e: unknown) => {
            assert.ok(e instanceof UntrustedContentUriError, String(e));
            assert.equal(blobFailureKind(e), 'permanent');
            return true;
          });
        }
        assert.equal(api.requests.length, 0);
        assert.equal(credential.calls, 0);
      },
    );
  });

  it('plain http is accepted for a loopback API root only', () => {
    const make = (apiUrl: string) =>
      new ManagementApiClient({ tenantId: TENANT, apiUrl, credential: new CountingCredential() });
    assert.ok(make('http://127.0.0.1:7071'));
    assert.ok(make('http://localhost:7071'));
    assert.throws(
      () => make('http://manage.office.com'),
      /must be https \(plain http only on a loopback host\)/,
    );
  });
});

describe('blobFailureKind', () => {
  const cases: Array<[string, Handler, string, string?]> = [
    [
      '404 text/html without a code',
      () => ({ status: 404, headers: { 'content-type': 'text/html' }, body: '<html>Not Found</html>' }),
      'permanent',
      'ContentRejectedError',
    ],
    ['bare 400', () => ({ status: 400, body: '' }), 'permanent', 'ContentRejectedError'],
    ['bare 403', () => ({ status: 403, body: 'Forbidden' }), 'permanent', 'ContentRejectedError'],
    [
      'a redirect',
      () => ({ status: 302, headers: { location: 'https://elsewhere.invalid/x' }, body: '' }),
      'permanent',
      'ContentRejectedError',
    ],
    ['AF20051', () => apiError(400, 'AF20051'), 'expired', 'ContentExpiredError'],
    ['AF20050', () => apiError(400, 'AF20050'), 'notFound', 'ContentNotFoundError'],
    ['persistent 503', () => ({ status: 503, body: 'busy' }), 'transient', 'TransientApiError'],
    ['persistent AF429 on a 403', () => apiError(403, 'AF429'), 'transient', 'ThrottledError'],
    ['401 after a fresh token', () => ({ status: 401, body: '' }), 'tenant', 'UnauthorizedError'],
    ['AF10001 (permission missing)', () => apiError(403, 'AF10001'), 'tenant', 'FatalApiError'],
  ];
  for (const [what, handler, kind, errorName] of cases) {
    it(`${what} → ${kind} (${errorName})`, async () => {
      await withFakeApi(handler, async (api) => {
        const { client } = testClient(api);
        const error = await client.fetchContentText(`${api.feed}/audit/x`).then(
          () => assert.fail('expected a failure'),
          (e: unknown) => e,
        );
        assert.equal((error as Error).name, errorName);
        assert.equal(blobFailureKind(error), kind);
        if (kind === 'permanent') assert.equal(api.requests.length, 1);
      });
    });
  }

  it('a credential that cannot get a token → tenant (CredentialError), counted, nothing sent to the API', async () => {
    await withFakeApi(
      () => ({ body: [] }),
      async (api) => {
        const failing = failingCredential('AADSTS7000222: The provided client secret keys are expired.');
        const { client } = testClient(api, { credential: failing });
        const error = await client.fetchContentText(`${api.feed}/audit/x`).catch((e: unknown) => e);
        assert.ok(error instanceof CredentialError);
        assert.match(error.message, /AADSTS7000222/);
        assert.equal(blobFailureKind(error), 'tenant');
        assert.equal(api.requests.length, 0);
        assert.equal(client.stats().byErrorCode.TokenRequestFailed, 1);
      },
    );
  });

  it('an error that is not the client’s own is transient (bounded retries, then the caller parks)', () => {
    assert.equal(blobFailureKind(new TypeError('boom')), 'transient');
    assert.equal(blobFailureKind('a string'), 'transient');
  });
});

describe('listing dates', () => {
  it('impossible or missing contentCreated/contentExpiration flag the reference (sorted last, counted) instead of failing the listing', async () => {
    await withFakeApi(
      (_req, _count, api) => ({
        body: [
          { ...ref(api, 'bad-created', '2026-01-01T00:00:00Z'), contentCreated: '2024-13-45T99:99:99' },
          ref(api, 'good-2', '2026-01-01T00:05:00Z'),
          { ...ref(api, 'bad-expiry', '2026-01-01T00:01:00Z'), contentExpiration: '2026-02-30T00:00:00Z' },
          { ...ref(api, 'no-expiry', '2026-01-01T00:02:00Z'), contentExpiration: undefined },
          ref(api, 'good-1', '2026-01-01T00:00:00.0000000Z'),
        ],
      }),
      async (api) => {
        const { client } = testClient(api);
        const refs = await client.listContent('Audit.General', recentWindow());
        assert.deepEqual(
          refs.map((r) => r.contentId),
          ['good-1', 'bad-expiry', 'no-expiry', 'good-2', 'bad-created'],
        );
        const flagged = Object.fromEntries(refs.map((r) => [r.contentId, r.invalid]));
        assert.equal(flagged['good-1'], undefined);
        assert.equal(flagged['good-2'], undefined);
        assert.match(
          flagged['bad-created']!,
          /contentCreated is not a valid time \(got "2024-13-45T99:99:99"\)/,
        );
        assert.match(flagged['bad-expiry']!, /contentExpiration is not a valid time/);
        assert.match(flagged['no-expiry']!, /contentExpiration is missing/);
        assert.equal(client.stats().invalidReferences, 3);

        const error = checkContentReference(refs.find((r) => r.contentId === 'bad-created')!);
        assert.ok(error instanceof InvalidContentReferenceError);
        assert.equal(error.field, 'contentCreated');
        assert.equal(blobFailureKind(error), 'permanent');
        assert.equal(checkContentReference(refs[0]!), undefined);
      },
    );
  });

  it('an audit record with an impossible CreationTime is malformed, its neighbours are kept', () => {
    const { records, malformed } = parseAuditContent(
      JSON.stringify([record('a'), { ...record('b'), CreationTime: '2024-13-45T99:99:99' }]),
    );
    assert.deepEqual(
      records.map((r) => r.Id),
      ['a'],
    );
    assert.deepEqual(
      malformed.map((m) => [m.index, m.reason]),
      [[1, 'CreationTime is not a time']],
    );
  });
});

it('ContentRejectedError keeps the status and the start of the body for the report', async () => {
  await withFakeApi(
    () => ({
      status: 404,
      headers: { 'content-type': 'text/html' },
      body: '<h1>gone</h1>',
    }),
    async (api) => {
      const { client } = testClient(api);
      const e = await client.fetchContentText(`${api.feed}/audit/x`).catch((err: unknown) => err);
      assert.ok(e instanceof ContentRejectedError);
      assert.equal(e.status, 404);
      assert.match(e.message, /HTTP 404: <h1>gone<\/h1>/);
    },
  );
});

it('error codes named like Object.prototype members are unknown codes: rejected for the blob and counted', async () => {
  const codes = ['__proto__', 'constructor', 'toString'];
  await withFakeApi(
    (_req, n) => apiError(400, codes[n - 1]!),
    async (api) => {
      const { client } = testClient(api);
      for (const code of codes) {
        const e = await client.fetchContentText(`${api.feed}/audit/${code}`).catch((err: unknown) => err);
        assert.ok(e instanceof ContentRejectedError, String(e));
        assert.equal(e.code, code);
        assert.equal(blobFailureKind(e), 'permanent');
      }
      const counted = client.stats().byErrorCode;
      assert.deepEqual(
        codes.map((c) => Object.getOwnPropertyDescriptor(counted, c)?.value),
        [1, 1, 1],
      );
    },
  );
});

it('an error answer larger than the cap keeps its status: a huge 503 is still transient', async () => {
  await withFakeApi(
    () => ({ status: 503, body: 'busy '.repeat(100) }),
    async (api) => {
      const { client } = testClient(api, { maxContentBytes: 64 });
      const e = await client.fetchContentText(`${api.feed}/audit/x`).catch((err: unknown) => err);
      assert.equal((e as Error).name, 'TransientApiError');
      assert.equal(blobFailureKind(e), 'transient');
      assert.match((e as Error).message, /busy busy/);
    },
  );
});
