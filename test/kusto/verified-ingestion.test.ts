/**
 * Verified ingestion end to end: KustoSink with the real azure-kusto-ingest client, Azurite and the local Kusto
 * endpoint's data-management worker. Every queued batch's outcome comes back through the service's status queues
 * (named by `.get ingestion resources`) and `drainIngestionReports`; a rejected batch carries the service's error.
 * Each scenario uses its own tables.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { QueueClient } from '@azure/storage-queue';
import { applyKustoSetup, type IngestionReport, KustoSink, sourceIdFor } from '../../src/kusto';
import { type QueuedHarness, startQueuedHarness } from '../harness/kusto-local';
import { countRows, row, telemetryRow } from './fixtures/rows';

describe('verified queued ingestion against Azurite and the local endpoint', { timeout: 300_000 }, () => {
  let h: QueuedHarness;

  /** The deployer sets up the tables; the app's sink runs with Ingestor + Viewer only. */
  const setUp = async (table: string, mode: 'queued' | 'streaming' = 'queued'): Promise<KustoSink> => {
    await applyKustoSetup(h.settings(table, mode));
    const sink = h.sink(table, { mode, as: 'app' });
    await sink.verifyTable();
    return sink;
  };
  const admin = (table: string): KustoSink => h.sink(table);
  /** Lets the worker process what is queued, then pops the reports for one table. */
  const reportsFor = async (sink: KustoSink, table: string): Promise<IngestionReport[]> => {
    await h.kusto.drainQueuedIngestion();
    return (await sink.drainIngestionReports()).filter((r) => r.table === table);
  };

  before(async () => {
    h = await startQueuedHarness();
  });
  after(() => h?.close());

  it('a queued batch is confirmed by a Succeeded report under the sourceId ingestRows returned', async () => {
    const sink = await setUp('OkT');
    const sent = await sink.ingestRows(
      [row({ Id: 'ok1', RecordType: 40 }), row({ Id: 'ok2', RecordType: 40 })],
      'ok-w1',
    );
    assert.equal(sent.confirmed, false, 'a queued batch is not confirmed by being queued');
    assert.equal(sent.sourceId, sourceIdFor('ok-w1'));
    assert.deepEqual(
      await sink.drainIngestionReports(),
      [],
      'no report before the service processed the batch',
    );

    const reports = await reportsFor(sink, 'OkT');
    assert.equal(reports.length, 1);
    const [report] = reports;
    assert.equal(report!.sourceId, sent.sourceId);
    assert.equal(report!.status, 'Succeeded');
    assert.equal(report!.permanent, false);
    assert.equal(report!.database, 'O365');
    assert.ok(!Number.isNaN(Date.parse(report!.at)), report!.at);
    assert.equal(await countRows(sink, 'OkT'), 2);
    assert.deepEqual(await sink.drainIngestionReports(), [], 'a popped report is gone');
  });

  it('a batch re-sent after it landed is reported as already ingested, and its rows are not doubled', async () => {
    const sink = await setUp('AgainT');
    const rows = [row({ Id: 'a1', RecordType: 40 })];
    await sink.ingestRows(rows, 'again-w1');
    assert.equal((await reportsFor(sink, 'AgainT'))[0]?.status, 'Succeeded');
    await sink.ingestRows(rows, 'again-w1');
    const [report] = await reportsFor(sink, 'AgainT');
    assert.equal(report?.status, 'Succeeded');
    assert.equal(report?.alreadyIngested, true);
    assert.equal(report?.errorCode, 'Skipped_IngestByTagAlreadyExists');
    assert.equal(await countRows(sink, 'AgainT'), 1);
  });

  it('a batch whose column types no longer fit the mapping is rejected, Permanent, with the service error; after the fix a re-send lands once', async () => {
    const sink = await setUp('TypeT');
    await admin('TypeT').query('.alter column TypeT.RecordType type=string');
    const sent = await sink.ingestRows(
      [row({ Id: 't1', RecordType: 40 }), row({ Id: 't2', RecordType: 64 })],
      'type-w1',
    );

    const [report] = await reportsFor(sink, 'TypeT');
    assert.equal(report?.sourceId, sent.sourceId);
    assert.equal(report?.status, 'Failed');
    assert.equal(report?.permanent, true);
    assert.equal(report?.errorCode, 'BadRequest_InconsistentMapping');
    assert.match(report?.details ?? '', /RecordType/);
    assert.equal(await countRows(sink, 'TypeT'), 0, 'a rejected batch adds no rows');
    await assert.rejects(
      admin('TypeT').verifyTable(),
      /column TypeT\.RecordType is string, the pipeline writes int/,
    );

    await admin('TypeT').query('.alter column TypeT.RecordType type=int');
    await sink.ingestRows([row({ Id: 't1', RecordType: 40 }), row({ Id: 't2', RecordType: 64 })], 'type-w1');
    const [retry] = await reportsFor(sink, 'TypeT');
    assert.equal(retry?.status, 'Succeeded');
    assert.equal(retry?.alreadyIngested, undefined);
    await sink.ingestRows([row({ Id: 't1', RecordType: 40 }), row({ Id: 't2', RecordType: 64 })], 'type-w1');
    await reportsFor(sink, 'TypeT');
    assert.equal(await countRows(sink, 'TypeT'), 2);
  });

  it('a batch whose mapping was dropped is rejected with BadRequest_InvalidMappingReference until the setup runs again', async () => {
    const sink = await setUp('MapT');
    await admin('MapT').query(".drop table MapT ingestion json mapping 'MapT_json_mapping'");
    await sink.ingestRows([row({ Id: 'm1', RecordType: 40 })], 'map-w1');
    const [report] = await reportsFor(sink, 'MapT');
    assert.equal(report?.status, 'Failed');
    assert.equal(report?.permanent, true);
    assert.equal(report?.errorCode, 'BadRequest_InvalidMappingReference');
    assert.match(report?.details ?? '', /MapT_json_mapping/);

    await applyKustoSetup(h.settings('MapT'));
    await sink.ingestRows([row({ Id: 'm1', RecordType: 40 })], 'map-w1');
    assert.equal((await reportsFor(sink, 'MapT'))[0]?.status, 'Succeeded');
    assert.equal(await countRows(sink, 'MapT'), 1);
  });

  it('a transient failure is reported as not permanent, and the re-sent batch lands once', async () => {
    const sink = await setUp('FlakyT');
    h.kusto.injectIngestionFailures({ table: 'FlakyT', status: 'Transient' });
    const rows = [row({ Id: 'f1', RecordType: 40 })];
    const sent = await sink.ingestRows(rows, 'flaky-w1');
    const [report] = await reportsFor(sink, 'FlakyT');
    assert.equal(report?.sourceId, sent.sourceId);
    assert.equal(report?.status, 'Failed');
    assert.equal(report?.permanent, false);
    assert.equal(report?.errorCode, 'General_TransientFailure');
    assert.equal(await countRows(sink, 'FlakyT'), 0);

    await sink.ingestRows(rows, 'flaky-w1');
    assert.equal((await reportsFor(sink, 'FlakyT'))[0]?.status, 'Succeeded');
    assert.equal(await countRows(sink, 'FlakyT'), 1);
  });

  it('a failure injected over HTTP for a table reaches only that table', async () => {
    const sink = await setUp('HttpT');
    const res = await fetch(`${h.kusto.url}/local/faults/ingestion`, {
      method: 'POST',
      body: JSON.stringify({
        table: 'HttpT',
        status: 'Permanent',
        errorCode: 'BadRequest_EmptyBlob',
        count: 2,
      }),
    });
    assert.equal(res.status, 200);
    await sink.ingestRows([row({ Id: 'h1', RecordType: 40 })], 'http-w1');
    await sink.ingestRows([row({ Id: 'h2', RecordType: 40 })], 'http-w2');
    await sink.ingestRows([row({ Id: 'h3', RecordType: 40 })], 'http-w3');
    const reports = await reportsFor(sink, 'HttpT');
    const bySource = new Map(reports.map((r) => [r.sourceId, r]));
    assert.equal(bySource.get(sourceIdFor('http-w1'))?.errorCode, 'BadRequest_EmptyBlob');
    assert.equal(bySource.get(sourceIdFor('http-w2'))?.permanent, true);
    assert.equal(bySource.get(sourceIdFor('http-w3'))?.status, 'Succeeded');

    const refused = await fetch(`${h.kusto.url}/local/faults/ingestion`, {
      method: 'POST',
      headers: { 'x-ms-local-roles': 'ingestor,viewer' },
      body: JSON.stringify({ status: 'Transient' }),
    });
    assert.equal(refused.status, 403, 'only an Admin may inject faults');
  });

  it('streaming ingestion is confirmed by its answer and leaves no report behind', async () => {
    const sink = await setUp('StreamOkT', 'streaming');
    const sent = await sink.ingestRows([row({ Id: 's1', RecordType: 40 })], 'stream-w1');
    assert.deepEqual([sent.mode, sent.confirmed], ['streaming', true]);
    assert.equal(await countRows(sink, 'StreamOkT'), 1);
    assert.deepEqual(await reportsFor(sink, 'StreamOkT'), []);
  });

  it('telemetry rows land exactly once per run key and report under the telemetry table', async () => {
    const sink = await setUp('TelT', 'streaming');
    const rows = [
      telemetryRow({
        Timestamp: '2026-11-20T09:05:00Z',
        TenantId: 'tenant-a',
        RunId: 'loop-1',
        RunKind: 'live',
        ContentType: 'Audit.General',
        WindowStart: '2026-11-20T08:00:00Z',
        WindowEnd: '2026-11-20T09:00:00Z',
        Attempt: 1,
        Outcome: 'done',
        LagMinutes: 65,
        Ingested: 3,
        Counts: { listed: 2, fetched: 2 },
        StageSeconds: { list: 0.5, fetch: 1.25 },
      }),
    ];
    const first = await sink.ingestTelemetry(rows, 'loop-1/Audit.General/2026-11-20T08:00:00Z/1');
    assert.deepEqual(
      [first.mode, first.confirmed],
      ['queued', false],
      'telemetry is queued even in streaming mode',
    );
    await sink.ingestTelemetry(rows, 'loop-1/Audit.General/2026-11-20T08:00:00Z/1');
    const reports = await reportsFor(sink, 'TelTRuns');
    assert.deepEqual(
      reports.map((r) => [r.sourceId, r.status, r.alreadyIngested ?? false]),
      [
        [first.sourceId, 'Succeeded', false],
        [first.sourceId, 'Succeeded', true],
      ],
    );
    const back = await sink.query<Record<string, unknown>>('TelTRuns');
    assert.equal(back.length, 1);
    assert.equal(back[0]!.LagMinutes, 65);
    assert.equal(back[0]!.Attempt, 1);
    assert.deepEqual(back[0]!.StageSeconds, { list: 0.5, fetch: 1.25 });
    assert.equal((back[0]!.WindowStart as Date).toISOString(), '2026-11-20T08:00:00.000Z');
  });

  it('a message on a status queue that is not a report is removed and counted, not returned', async () => {
    const sink = await setUp('NoiseT');
    const resources = await admin('NoiseT').query<{ ResourceTypeName: string; StorageRoot: string }>(
      '.get ingestion resources',
    );
    const failedQueue = resources.find((r) => r.ResourceTypeName === 'FailedIngestionsQueue')!.StorageRoot;
    await new QueueClient(failedQueue).sendMessage(Buffer.from('not json').toString('base64'));
    const before = sink.unreadableReports;
    assert.deepEqual(await sink.drainIngestionReports(), []);
    assert.equal(sink.unreadableReports, before + 1);
    assert.deepEqual(await sink.drainIngestionReports(), [], 'the unreadable message is gone');
  });
});
