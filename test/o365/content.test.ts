import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ContentExpiredError,
  ContentNotFoundError,
  MalformedContentError,
  parseAuditContent,
} from '../../src/o365';
import { apiError, withFakeApi, TENANT, testClient } from './fake-api';

const SAMPLES = join(__dirname, 'fixtures');

describe('content blobs', () => {
  it('returns the body verbatim and sends PublisherIdentifier on the blob fetch too', async () => {
    const raw =
      '[ {"Id":"a","RecordType":"40","CreationTime":"2020-02-14T19:00:00","Operation":"AlertTriggered"} ]\n';
    await withFakeApi(
      () => ({ body: raw }),
      async (api) => {
        const { client } = testClient(api);
        assert.equal(await client.fetchContentText(`${api.feed}/audit/abc$def`), raw);
        assert.equal(api.requests[0]!.route, '/audit/abc$def');
        assert.equal(api.requests[0]!.query.get('PublisherIdentifier'), TENANT);
      },
    );
  });

  it('keeps a PublisherIdentifier already in the contentUri instead of adding a second one', async () => {
    await withFakeApi(
      () => ({ body: [] }),
      async (api) => {
        const { client } = testClient(api);
        await client.fetchContentText(`${api.feed}/audit/x?publisheridentifier=abc`);
        const q = api.requests[0]!.query;
        assert.equal([...q.keys()].filter((k) => k.toLowerCase() === 'publisheridentifier').length, 1);
        assert.equal(q.get('publisheridentifier'), 'abc');
      },
    );
  });

  const cases: [string, number, new (...a: never[]) => Error][] = [
    ['AF20050', 404, ContentNotFoundError],
    ['AF20052', 400, ContentNotFoundError],
    ['AF20051', 400, ContentExpiredError],
  ];
  for (const [code, status, type] of cases) {
    it(`${code} is a ${type.name}, not retried`, async () => {
      await withFakeApi(
        () => apiError(status, code, `Content requested with the key x: ${code}`),
        async (api) => {
          const { client } = testClient(api);
          await assert.rejects(client.fetchContent(`${api.feed}/audit/x`), (e: unknown) => {
            assert.ok(e instanceof type);
            assert.equal((e as ContentExpiredError).code, code);
            assert.equal((e as ContentExpiredError).retryable, false);
            return true;
          });
          assert.equal(api.requests.length, 1);
          assert.equal(client.stats().byErrorCode[code], 1);
        },
      );
    });
  }

  it('a blob that is not JSON is a MalformedContentError holding the raw text', async () => {
    await withFakeApi(
      () => ({ body: '[{"Id":"a", "RecordType": 40,' }),
      async (api) => {
        const { client } = testClient(api);
        await assert.rejects(client.fetchContent(`${api.feed}/audit/x`), (e: unknown) => {
          assert.ok(e instanceof MalformedContentError);
          assert.equal(e.text, '[{"Id":"a", "RecordType": 40,');
          return true;
        });
      },
    );
  });

  it('parseAuditContent separates records without the common fields', () => {
    const { records, malformed } = parseAuditContent(
      JSON.stringify([
        { Id: 'a', RecordType: 64, CreationTime: '2026-01-01T00:00:00', Operation: 'AirInvestigationData' },
        { RecordType: 64, CreationTime: '2026-01-01T00:00:00', Operation: 'x' },
        'not a record',
      ]),
    );
    assert.equal(records.length, 1);
    assert.deepEqual(
      malformed.map((m) => [m.index, m.reason]),
      [
        [1, 'Id is missing'],
        [2, 'not an object'],
      ],
    );
    assert.throws(() => parseAuditContent('{"a":1}'), MalformedContentError);
  });

  it('parses the public sample records with the typed model', () => {
    for (const file of ['security_compliance_alerts_elastic.json', 'air_investigation_elastic.json']) {
      const text = readFileSync(join(SAMPLES, file), 'utf8');
      const { records, malformed } = parseAuditContent(text);
      assert.equal(malformed.length, 0, file);
      assert.ok(records.length > 0, file);
      for (const r of records)
        assert.ok(['40', '64', 40, 64].includes(r.RecordType as never), `${file} ${r.RecordType}`);
    }
  });
});
