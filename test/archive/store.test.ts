import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ArchiveStore, ConcurrencyError, documentNames } from '../../src/archive';
import { startArchiveOnAzurite, type ArchiveOnAzurite } from '../harness/archive-azurite';

const ref = {
  contentType: 'Audit.General',
  contentId: '20260128095959123456789$20260128095959123456789$audit_general$Audit_General$emea0030',
  contentCreated: '2026-01-28T10:00:00.123Z',
};

describe('ArchiveStore against Azurite', () => {
  let azurite: ArchiveOnAzurite | undefined;
  let store: ArchiveStore;

  before(async () => {
    azurite = await startArchiveOnAzurite('archive-test'); // creates the container
    store = azurite.store;
    await store.ensureContainer(); // idempotent
  });
  after(async () => {
    await azurite?.close();
  });

  it('archives raw content gzip-compressed under its derived name, once', async () => {
    const text = JSON.stringify([{ Id: 'a', RecordType: 40, CreationTime: '2026-01-28T09:59:00' }]);
    const first = await store.putRawContent(ref, text);
    assert.equal(first.created, true);
    assert.match(first.name, /^raw\/Audit\.General\/2026\/01\/28\/.+\.json\.gz$/);

    const again = await store.putRawContent(ref, 'different text must not overwrite');
    assert.deepEqual(again, { name: first.name, created: false });

    // Stored bytes are gzip of the original text, and the helper reads them back.
    const buf = await store.container.getBlobClient(first.name).downloadToBuffer();
    assert.equal(buf[0], 0x1f);
    assert.equal(buf[1], 0x8b);
    assert.equal(gunzipSync(buf).toString('utf8'), text);
    assert.equal(await store.readContent(first.name), text);
    assert.equal(await store.readContent('raw/none.json.gz'), undefined);
  });

  it('round-trips large content with non-ASCII text through gzip', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => ({
      Id: `id-${i}`,
      Name: `Müller – “phish” ${i} 📧`,
      RecordType: 40,
    }));
    const text = JSON.stringify(records);
    const big = { ...ref, contentId: 'big-blob' };
    const { name, created } = await store.putRawContent(big, text);
    assert.equal(created, true);
    const props = await store.container.getBlobClient(name).getProperties();
    assert.ok((props.contentLength ?? 0) < Buffer.byteLength(text) / 3, 'gzip should shrink repetitive JSON');
    assert.equal(await store.readContent(name), text);
  });

  it('quarantines content with its reason', async () => {
    const name = await store.putQuarantine(
      ref,
      '{"not":"an array"}',
      'expected a JSON array – got object\nline 2',
    );
    assert.match(name, /^quarantine\/Audit\.General\/2026\/01\/28\//);
    assert.equal(await store.readContent(name), '{"not":"an array"}');
    assert.equal(await store.quarantineReason(name), 'expected a JSON array – got object\nline 2');
  });

  it('writes documents with ETag concurrency', async () => {
    const name = documentNames.checkpoint('o365-pipeline');
    assert.equal(await store.readJson(name), undefined);

    const e1 = await store.writeJson(name, { windowEnd: '2026-01-28T10:00:00Z' }, null);
    await assert.rejects(store.writeJson(name, { windowEnd: 'other' }, null), ConcurrencyError);

    const read = await store.readJson<{ windowEnd: string }>(name);
    assert.deepEqual(read, { value: { windowEnd: '2026-01-28T10:00:00Z' }, etag: e1 });

    const e2 = await store.writeJson(name, { windowEnd: '2026-01-28T11:00:00Z' }, e1);
    assert.notEqual(e2, e1);
    // A writer still holding the old ETag loses and the document keeps the winner's value.
    await assert.rejects(store.writeJson(name, { windowEnd: 'stale' }, e1), (e: unknown) => {
      assert.ok(e instanceof ConcurrencyError);
      assert.equal(e.blobName, name);
      return true;
    });
    assert.deepEqual((await store.readJson(name))?.value, { windowEnd: '2026-01-28T11:00:00Z' });

    // If-Match on a document that does not exist is a lost race too.
    await assert.rejects(store.writeJson(documentNames.correlation('gone'), {}, e2), ConcurrencyError);
  });

  it('lists documents by prefix', async () => {
    await store.writeJson(
      documentNames.ledger('Audit.General', '2026-01-28T10:00:00Z'),
      { status: 'done' },
      null,
    );
    await store.writeJson(
      documentNames.ledger('Audit.General', '2026-01-28T11:00:00Z'),
      { status: 'done' },
      null,
    );
    await store.writeJson(
      documentNames.ledger('Audit.Exchange', '2026-01-28T10:00:00Z'),
      { status: 'done' },
      null,
    );
    const names = await store.list(documentNames.ledgerPrefix('Audit.General', '2026-01-28'));
    assert.deepEqual(names, [
      documentNames.ledger('Audit.General', '2026-01-28T10:00:00Z'),
      documentNames.ledger('Audit.General', '2026-01-28T11:00:00Z'),
    ]);
  });

  it('refuses identity-based settings without a credential, naming what is missing', () => {
    assert.throws(
      () =>
        ArchiveStore.fromConfig({
          blobServiceUrl: 'https://acct.blob.core.windows.net',
          archiveContainer: 'x-y',
        }),
      /token credential/,
    );
    assert.throws(() => ArchiveStore.fromConfig({ archiveContainer: 'x-y' }), /AzureWebJobsStorage/);
  });
});
