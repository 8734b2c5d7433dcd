/**
 * KustoSink with the real azure-kusto-data / azure-kusto-ingest clients against the local Kusto endpoint
 * (queued ingestion through Azurite). Each scenario uses its own table so they do not see each other's rows.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAzurite } from '../../local/azurite';
import { startKustoLocal } from '../../local/kusto';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { KustoPermissionError, KustoSink, type KustoSettings } from '../../src/kusto';
import { ingestByTag } from '../../src/kusto/batch';
import { ALERT_COLUMNS } from '../../src/kusto/schema';
import { EXPECTED_AWAITING, EXPECTED_LATEST, INVESTIGATION_HISTORY, row } from './fixtures/rows';

type Azurite = Awaited<ReturnType<typeof startAzurite>>;
type KustoLocal = Awaited<ReturnType<typeof startKustoLocal>>;

/** A test fixture token the local endpoint maps to an Ingestor + Viewer principal (no Admin). */
const INGESTOR_TOKEN = 'fixture-ingestor-token';
const ingestorCredential: TokenCredential = {
  getToken: (): Promise<AccessToken> =>
    Promise.resolve({ token: INGESTOR_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
};

describe('KustoSink against the local Kusto endpoint', { timeout: 60_000 }, () => {
  let dir: string;
  let azurite: Azurite;
  let kusto: KustoLocal;
  const sinks: KustoSink[] = [];

  const settings = (table: string, ingestionMode: 'queued' | 'streaming'): KustoSettings => ({
    clusterUrl: kusto.url,
    ingestUrl: kusto.url,
    database: 'O365',
    table,
    ingestionMode,
  });
  const open = (table: string, mode: 'queued' | 'streaming' = 'queued'): KustoSink => {
    const sink = new KustoSink(settings(table, mode));
    sinks.push(sink);
    return sink;
  };
  const count = async (sink: KustoSink, table: string): Promise<number> =>
    Number((await sink.query<{ Count: number }>(`${table} | count`))[0]?.Count);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kusto-sink-'));
    azurite = await startAzurite({ location: join(dir, 'azurite'), blobPort: 0, queuePort: 0, tablePort: 0 });
    kusto = await startKustoLocal({
      port: 0,
      stateDir: join(dir, 'kusto'),
      azurite,
      // No background polling: the test decides when queued batches land.
      queuePollMs: 0,
      tokens: { [INGESTOR_TOKEN]: ['ingestor', 'viewer'] },
    });
  });

  after(async () => {
    for (const sink of sinks) await sink.close();
    await kusto?.close();
    await azurite?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates table, mapping and functions, and running it twice changes nothing', async () => {
    await open('SetupT').ensureTable();
    const again = open('SetupT');
    await again.ensureTable();
    await again.ensureTable();

    const tables = await again.query<{ TableName: string }>('.show tables');
    assert.equal(tables.filter((t) => t.TableName === 'SetupT').length, 1);
    const [schemaRow] = await again.query<{ Schema: string }>('.show table SetupT schema as json');
    const schema = JSON.parse(schemaRow!.Schema) as { OrderedColumns: { Name: string; CslType: string }[] };
    assert.deepEqual(
      schema.OrderedColumns.map((c) => `${c.Name}:${c.CslType}`),
      ALERT_COLUMNS.map((c) => `${c.name}:${c.type}`),
    );
    const functions = await again.query<{ Name: string }>('.show functions');
    assert.deepEqual(
      functions
        .map((f) => f.Name)
        .filter((n) => n.startsWith('SetupT'))
        .sort(),
      ['SetupTAwaitingSoc', 'SetupTLatestInvestigations'],
    );
    assert.equal(await count(again, 'SetupT'), 0);
  });

  it('streams a batch that is queryable at once, mapping every column', async () => {
    const sink = open('StreamT', 'streaming');
    await sink.ensureTable();
    const rows = [
      row({
        Id: 's1',
        RecordType: 40,
        CreationTime: '2026-11-20T08:00:00Z',
        Name: 'Email reported by user as malware or phish',
        Data: { op: 'UserSubmission', n: [1, 2] },
        WindowStart: '2026-11-20T08:00:00Z',
      }),
      row({ Id: 's2', RecordType: 64, Status: 'Remediated' }),
    ];
    assert.deepEqual(await sink.ingestRows(rows, 'stream-batch-1'), { mode: 'streaming', rows: 2 });
    const back = await sink.query<Record<string, unknown>>('StreamT | where Id == "s1"');
    assert.equal(back.length, 1);
    assert.equal(back[0]!.Name, 'Email reported by user as malware or phish');
    assert.equal(back[0]!.RecordType, 40);
    assert.deepEqual(back[0]!.Data, { op: 'UserSubmission', n: [1, 2] });
    assert.equal((back[0]!.CreationTime as Date).toISOString(), '2026-11-20T08:00:00.000Z');
    assert.equal(await count(sink, 'StreamT'), 2);
  });

  it('queues a batch that lands after the queue is drained; a batch retried three times lands once', async () => {
    const sink = open('QueuedT', 'queued');
    await sink.ensureTable();
    const rows = [
      row({ Id: 'q1', RecordType: 40 }),
      row({ Id: 'q2', RecordType: 40 }),
      row({ Id: 'q3', RecordType: 64 }),
    ];
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.deepEqual(await sink.ingestRows(rows, 'window-2026-11-20T08'), { mode: 'queued', rows: 3 });
    }
    assert.equal(await count(sink, 'QueuedT'), 0, 'queued rows are not visible before the worker runs');
    await kusto.drainQueuedIngestion();
    assert.equal(await count(sink, 'QueuedT'), 3);

    // A later retry of the same batch, after it landed, is skipped too; a different batch is not.
    await sink.ingestRows(rows, 'window-2026-11-20T08');
    await sink.ingestRows([row({ Id: 'q4', RecordType: 40 })], 'window-2026-11-20T09');
    await kusto.drainQueuedIngestion();
    assert.equal(await count(sink, 'QueuedT'), 4);

    const extents = await sink.query<{ Tags: string }>('.show table QueuedT extents');
    const tags = extents.map((e) => e.Tags ?? '');
    assert.equal(tags.filter((t) => t.includes(ingestByTag('window-2026-11-20T08'))).length, 1);
    assert.equal(tags.filter((t) => t.includes(ingestByTag('window-2026-11-20T09'))).length, 1);
  });

  it('existingIds returns exactly the ids the table holds, across query chunks', async () => {
    const sink = open('IdsT', 'streaming');
    await sink.ensureTable();
    const present = Array.from({ length: 30 }, (_, i) => `id-${i}`);
    await sink.ingestRows(
      present.map((Id) => row({ Id, RecordType: 40 })),
      'ids-batch',
    );
    const asked = [
      ...present.filter((_, i) => i % 3 === 0),
      ...Array.from({ length: 1100 }, (_, i) => `absent-${i}`),
    ];
    const found = await sink.existingIds(asked);
    assert.deepEqual([...found].sort(), present.filter((_, i) => i % 3 === 0).sort());
    assert.equal((await sink.existingIds([])).size, 0);
  });

  it('the shipped functions return the latest state per investigation and those awaiting the SOC', async () => {
    const sink = open('FnT', 'streaming');
    await sink.ensureTable();
    await sink.ingestRows(INVESTIGATION_HISTORY, 'fn-batch');

    const latest = await sink.query<{ InvestigationId: string; Status: string; Id: string }>(
      'FnTLatestInvestigations()',
    );
    assert.deepEqual(Object.fromEntries(latest.map((r) => [r.InvestigationId, r.Status])), EXPECTED_LATEST);
    assert.equal(latest.length, Object.keys(EXPECTED_LATEST).length);
    assert.equal(latest.find((r) => r.InvestigationId === 'urn:A')?.Id, 'r3');

    const awaiting = await sink.query<{ InvestigationId: string }>('FnTAwaitingSoc()');
    assert.deepEqual(awaiting.map((r) => r.InvestigationId).sort(), EXPECTED_AWAITING);
  });

  it('without Admin: the first run fails with the role explained, later runs as Ingestor work', async () => {
    const ingestorSettings = settings('RolesT', 'streaming');
    const ingestorOnly = new KustoSink(ingestorSettings, { credential: ingestorCredential });
    sinks.push(ingestorOnly);
    await assert.rejects(ingestorOnly.ensureTable(), (e: unknown) => {
      assert.ok(e instanceof KustoPermissionError, String(e));
      assert.match(e.message, /database Admin role/);
      return true;
    });

    await open('RolesT', 'streaming').ensureTable(); // the first run, by an Admin

    const later = new KustoSink(ingestorSettings, { credential: ingestorCredential });
    sinks.push(later);
    await later.ensureTable();
    assert.deepEqual(await later.ingestRows([row({ Id: 'i1', RecordType: 40 })], 'roles-batch'), {
      mode: 'streaming',
      rows: 1,
    });
    assert.deepEqual([...(await later.existingIds(['i1', 'i2']))], ['i1']);
  });

  it('streaming falls back to queued (with its exactly-once tag) when the engine refuses the stream', async () => {
    await open('FallbackT', 'queued').ensureTable(); // no streaming policy: the endpoint refuses streams, as a cluster does
    const streaming = open('FallbackT', 'streaming');
    const result = await streaming.ingestRows([row({ Id: 'f1', RecordType: 40 })], 'fallback-batch');
    assert.deepEqual(result, { mode: 'queued', rows: 1 });
    assert.equal(await count(streaming, 'FallbackT'), 0);
    await kusto.drainQueuedIngestion();
    assert.equal(await count(streaming, 'FallbackT'), 1);
    const extents = await streaming.query<{ Tags: string }>('.show table FallbackT extents');
    assert.ok(extents.some((e) => (e.Tags ?? '').includes(ingestByTag('fallback-batch'))));
  });
});
