/**
 * KustoSink with the real azure-kusto-data / azure-kusto-ingest clients against the local Kusto endpoint
 * (queued ingestion through Azurite). Each scenario uses its own tables so they do not see each other's rows. Tables
 * are created as the deployer does (applyKustoSetup, Admin); the sink then works with the app's rights where it says so.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  applyKustoSetup,
  KustoPermissionError,
  KustoSetupError,
  KustoSink,
  sourceIdFor,
} from '../../src/kusto';
import { ingestByTag } from '../../src/kusto/batch';
import { ALERT_COLUMNS } from '../../src/kusto/schema';
import { ingestorCredential, type QueuedHarness, startQueuedHarness } from '../harness/kusto-local';
import { countRows, EXPECTED_AWAITING, EXPECTED_LATEST, INVESTIGATION_HISTORY, row } from './fixtures/rows';

// Each setup runs fifteen commands through the local endpoint's full Kusto parser: seconds each on a busy machine.
describe('KustoSink against the local Kusto endpoint', { timeout: 300_000 }, () => {
  let h: QueuedHarness;

  const open = (table: string, mode: 'queued' | 'streaming' = 'queued'): KustoSink => h.sink(table, { mode });
  /** Creates the tables as the deployer would, then opens a sink. */
  const setUp = async (table: string, mode: 'queued' | 'streaming' = 'queued'): Promise<KustoSink> => {
    await applyKustoSetup(h.settings(table, mode));
    return open(table, mode);
  };

  before(async () => {
    h = await startQueuedHarness();
  });

  after(() => h?.close());

  it('the setup creates table, mapping and functions, and running it twice changes nothing', async () => {
    await applyKustoSetup(h.settings('SetupT'));
    await applyKustoSetup(h.settings('SetupT'));
    const again = open('SetupT');
    await again.verifyTable();

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
      [
        'SetupTAwaitingSoc',
        'SetupTLatestInvestigations',
        'SetupTRunsDataLoss',
        'SetupTRunsFailures',
        'SetupTRunsLag',
        'SetupTRunsLatest',
        'SetupTRunsParked',
        'SetupTRunsRowsPerHour',
      ],
    );
    assert.equal(await countRows(again, 'SetupT'), 0);
  });

  it('streams a batch that is queryable at once, mapping every column', async () => {
    const sink = await setUp('StreamT', 'streaming');
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
    assert.deepEqual(await sink.ingestRows(rows, 'stream-batch-1'), {
      mode: 'streaming',
      rows: 2,
      sourceId: sourceIdFor('stream-batch-1'),
      confirmed: true,
    });
    const back = await sink.query<Record<string, unknown>>('StreamT | where Id == "s1"');
    assert.equal(back.length, 1);
    assert.equal(back[0]!.Name, 'Email reported by user as malware or phish');
    assert.equal(back[0]!.RecordType, 40);
    assert.deepEqual(back[0]!.Data, { op: 'UserSubmission', n: [1, 2] });
    assert.equal((back[0]!.CreationTime as Date).toISOString(), '2026-11-20T08:00:00.000Z');
    assert.equal(await countRows(sink, 'StreamT'), 2);
  });

  it('queues a batch that lands after the queue is drained; a batch retried three times lands once', async () => {
    const sink = await setUp('QueuedT', 'queued');
    const rows = [
      row({ Id: 'q1', RecordType: 40 }),
      row({ Id: 'q2', RecordType: 40 }),
      row({ Id: 'q3', RecordType: 64 }),
    ];
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.deepEqual(await sink.ingestRows(rows, 'window-2026-11-20T08'), {
        mode: 'queued',
        rows: 3,
        sourceId: sourceIdFor('window-2026-11-20T08'),
        confirmed: false,
      });
    }
    assert.equal(await countRows(sink, 'QueuedT'), 0, 'queued rows are not visible before the worker runs');
    await h.kusto.drainQueuedIngestion();
    assert.equal(await countRows(sink, 'QueuedT'), 3);

    // A later retry of the same batch, after it landed, is skipped too; a different batch is not.
    await sink.ingestRows(rows, 'window-2026-11-20T08');
    await sink.ingestRows([row({ Id: 'q4', RecordType: 40 })], 'window-2026-11-20T09');
    await h.kusto.drainQueuedIngestion();
    assert.equal(await countRows(sink, 'QueuedT'), 4);

    const extents = await sink.query<{ Tags: string }>('.show table QueuedT extents');
    const tags = extents.map((e) => e.Tags ?? '');
    assert.equal(tags.filter((t) => t.includes(ingestByTag('window-2026-11-20T08'))).length, 1);
    assert.equal(tags.filter((t) => t.includes(ingestByTag('window-2026-11-20T09'))).length, 1);
  });

  it('existingIds returns exactly the ids the table holds, across query chunks', async () => {
    const sink = await setUp('IdsT', 'streaming');
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
    const sink = await setUp('FnT', 'streaming');
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

  it('with Ingestor + Viewer only: the app cannot create, says what to run, and works once the deployer ran the setup', async () => {
    const appSettings = h.settings('RolesT', 'streaming');
    const app = h.sink('RolesT', { mode: 'streaming', as: 'app' });
    await assert.rejects(app.verifyTable(), (e: unknown) => {
      assert.ok(e instanceof KustoSetupError, String(e));
      assert.match(e.message, /table RolesT does not exist/);
      assert.match(e.message, /npm run kusto:setup/);
      return true;
    });
    await assert.rejects(applyKustoSetup(appSettings, { credential: ingestorCredential }), (e: unknown) => {
      assert.ok(e instanceof KustoPermissionError, String(e));
      assert.match(e.message, /\.create-merge table RolesT/);
      return true;
    });
    const tables = await open('RolesT').query<{ TableName: string }>('.show tables');
    assert.ok(!tables.some((t) => t.TableName === 'RolesT'), 'the refused setup created nothing');

    await applyKustoSetup(appSettings); // the deployer, as Admin

    await app.verifyTable();
    assert.deepEqual(await app.ingestRows([row({ Id: 'i1', RecordType: 40 })], 'roles-batch'), {
      mode: 'streaming',
      rows: 1,
      sourceId: sourceIdFor('roles-batch'),
      confirmed: true,
    });
    assert.deepEqual([...(await app.existingIds(['i1', 'i2']))], ['i1']);
  });

  it('streaming falls back to queued (with its exactly-once tag) when the engine refuses the stream', async () => {
    await applyKustoSetup(h.settings('FallbackT', 'queued')); // no streaming policy: the endpoint refuses streams, as a cluster does
    const streaming = open('FallbackT', 'streaming');
    const result = await streaming.ingestRows([row({ Id: 'f1', RecordType: 40 })], 'fallback-batch');
    assert.deepEqual(result, {
      mode: 'queued',
      rows: 1,
      sourceId: sourceIdFor('fallback-batch'),
      confirmed: false,
    });
    assert.equal(await countRows(streaming, 'FallbackT'), 0);
    await h.kusto.drainQueuedIngestion();
    assert.equal(await countRows(streaming, 'FallbackT'), 1);
    const extents = await streaming.query<{ Tags: string }>('.show table FallbackT extents');
    assert.ok(extents.some((e) => (e.Tags ?? '').includes(ingestByTag('fallback-batch'))));
    const reports = await streaming.drainIngestionReports();
    assert.deepEqual(
      reports.filter((r) => r.table === 'FallbackT').map((r) => [r.sourceId, r.status]),
      [[sourceIdFor('fallback-batch'), 'Succeeded']],
      'the fallback batch reports under the sourceId ingestRows returned',
    );
  });
});
