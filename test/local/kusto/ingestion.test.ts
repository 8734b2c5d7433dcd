/**
 * Ingestion into the local Kusto endpoint with the real azure-kusto-ingest clients: streaming (mapping applied,
 * streaming policy enforced), queued through Azurite (ingest-by tags, ingestIfNotExists, status queues, inline and
 * named mappings), and persistence of everything across a restart.
 */
import {
  CompressionType,
  DataFormat,
  IngestClient,
  IngestionProperties,
  IngestStatusQueues,
  ReportLevel,
  ReportMethod,
  StreamDescriptor,
} from 'azure-kusto-ingest';
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { QueueClient } from '@azure/storage-queue';
import Database from 'better-sqlite3';
import { KustoStore } from '../../../local/kusto/store';
import { type AzuriteHarness, DB, oneApiError, startHarnessWithAzurite } from '../../harness/kusto-local';

/**
 * Every message on a status queue. The SDK's `pop(n)` takes only one message per call when there is a single queue
 * (its per-queue share is the queue count), so this pops until the queue is empty.
 */
async function popAll(queue: { pop(n?: number): Promise<unknown[]> }): Promise<Record<string, unknown>[]> {
  const all: Record<string, unknown>[] = [];
  for (;;) {
    const batch = (await queue.pop(1)) as Record<string, unknown>[];
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** A MULTIJSON batch into `table` whose outcome the endpoint reports on the status queues. */
const reportedBatch = (
  table: string,
  extra: Partial<ConstructorParameters<typeof IngestionProperties>[0]> = {},
): IngestionProperties =>
  new IngestionProperties({
    database: DB,
    table,
    format: DataFormat.MULTIJSON,
    reportLevel: ReportLevel.FailuresAndSuccesses,
    reportMethod: ReportMethod.Queue,
    ...extra,
  });

const stream = (value: unknown): Readable =>
  Readable.from([Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))]);

describe('local Kusto ingestion', { timeout: 180_000 }, () => {
  let h: AzuriteHarness;
  let queued: IngestClient;

  before(async () => {
    h = await startHarnessWithAzurite({ queuePollMs: 0 });
    // autoCorrectEndpoint=false: the ingest client must not prefix the IP host with "ingest-".
    queued = new IngestClient(h.kcsb(), undefined, false);
  });
  after(async () => {
    queued?.close();
    await h?.close();
  });

  it('streaming ingestion applies the named mapping and needs the streaming policy', async () => {
    await h.mgmt('.create-merge table S (Id:string, At:datetime, N:long, Raw:dynamic)');
    await h.mgmt(
      `.create-or-alter table S ingestion json mapping 'SMap' '[{"column":"Id","path":"$.id"},{"column":"At","path":"$.ts","datatype":"datetime"},{"column":"N","path":"$.nested.n"},{"column":"Raw","path":"$"}]'`,
    );
    const records =
      '{"id":"s1","ts":"2025-01-02T03:04:05Z","nested":{"n":"42"}}\n{"id":"s2","ts":"not a date","nested":{}}\n';
    await assert.rejects(h.streamIngest('S', records, { mapping: 'SMap' }), (e: unknown) => {
      assert.equal(oneApiError(e)?.code, 'BadRequest_StreamingIngestionPolicyNotEnabled');
      return true;
    });
    await h.mgmt('.alter table S policy streamingingestion enable');
    await h.streamIngest('S', records, { mapping: 'SMap' });
    assert.deepEqual(await h.query('S | project Id, At, N | order by Id asc'), [
      { Id: 's1', At: new Date('2025-01-02T03:04:05Z'), N: 42 },
      { Id: 's2', At: null, N: null },
    ]);
    const [raw] = await h.query('S | where Id == "s1" | project Raw');
    assert.deepEqual(raw!.Raw, { id: 's1', ts: '2025-01-02T03:04:05Z', nested: { n: '42' } });
  });

  it('.get ingestion resources points at Azurite with SAS', async () => {
    const rows = await h.mgmt('.get ingestion resources');
    const byType = new Map(rows.map((r) => [r.ResourceTypeName, String(r.StorageRoot)]));
    assert.ok(byType.get('SecuredReadyForAggregationQueue')!.startsWith(`${h.azurite.queueUrl}/`));
    assert.ok(byType.get('TempStorage')!.startsWith(`${h.azurite.blobUrl}/`));
    assert.match(byType.get('TempStorage')!, /[?&]sig=/);
    for (const type of ['FailedIngestionsQueue', 'SuccessfulIngestionsQueue', 'IngestionsStatusTable'])
      assert.ok(byType.has(type), type);
  });

  it('queued ingestion lands after a drain, tags the extent and reports success', async () => {
    await h.mgmt('.create-merge table Q (Id:string, N:long)');
    const props = reportedBatch('Q', { ingestByTags: ['first'], dropByTags: ['2025-06-01'] });
    const result = await queued.ingestFromStream(
      stream([
        { Id: 'q1', N: 1 },
        { Id: 'q2', N: 2 },
      ]),
      props,
    );
    assert.equal(
      (result as unknown as { ingestionStatus: { Status: string } }).ingestionStatus.Status,
      'Queued',
    );
    assert.deepEqual(await h.query('Q | count'), [{ Count: 0 }], 'nothing lands before the queue is drained');
    assert.equal(await h.kusto.drainQueuedIngestion(), 1);
    assert.deepEqual(await h.query('Q | summarize sum(N), count()'), [{ sum_N: 3, count_: 2 }]);
    const extents = await h.mgmt('.show table Q extents');
    assert.equal(extents.length, 1);
    assert.deepEqual(String(extents[0]!.Tags).split('\r\n').sort(), [
      'drop-by:2025-06-01',
      'ingest-by:first',
    ]);
    assert.equal(extents[0]!.RowCount, 2);
    const successes = await popAll(new IngestStatusQueues(queued).success);
    assert.deepEqual(
      successes.map((s) => [s.Database, s.Table]),
      [[DB, 'Q']],
    );
  });

  it('a batch retried three times with the same ingest-by tag and ingestIfNotExists lands once', async () => {
    await h.mgmt('.create-merge table Once (Id:string)');
    const props = reportedBatch('Once', {
      ingestByTags: ['batch-7'],
      ingestIfNotExists: JSON.stringify(['batch-7']) as unknown as string,
    });
    const batch = [{ Id: 'o1' }, { Id: 'o2' }, { Id: 'o3' }];
    await queued.ingestFromStream(stream(batch), props);
    assert.equal(await h.kusto.drainQueuedIngestion(), 1);
    // Two retries, the second after a "crash" in which the caller never learned the first had landed.
    await queued.ingestFromStream(stream(batch), props);
    await queued.ingestFromStream(stream(batch), props);
    assert.equal(await h.kusto.drainQueuedIngestion(), 0, 'retries are skipped, not ingested');
    assert.deepEqual(await h.query('Once | count'), [{ Count: 3 }]);
    assert.equal((await h.mgmt(".show table Once extents where tags has 'ingest-by:batch-7'")).length, 1);
    const failures = await popAll(new IngestStatusQueues(queued).failure);
    const skipped = failures.filter((f) => f.Table === 'Once');
    assert.equal(skipped.length, 2);
    for (const f of skipped) assert.equal(f.ErrorCode, 'Skipped_IngestByTagAlreadyExists');
  });

  it('a queued batch for a missing table is reported on the failure queue and not retried', async () => {
    const props = new IngestionProperties({ database: DB, table: 'Missing', format: DataFormat.MULTIJSON });
    await queued.ingestFromStream(stream([{ Id: 'x' }]), props);
    assert.equal(await h.kusto.drainQueuedIngestion(), 0);
    const failures = await popAll(new IngestStatusQueues(queued).failure);
    const failure = failures.find((f) => f.Table === 'Missing');
    assert.match(String(failure?.Details), /Missing/);
    assert.equal(failure?.FailureStatus, 'Permanent');
    assert.equal(failure?.ErrorCode, 'BadRequest_TableNotFound');
    assert.equal(await h.kusto.drainQueuedIngestion(), 0, 'the failed message is gone from the queue');
  });

  it('queued ingestion applies a named mapping to a gzip-compressed file', async () => {
    await h.mgmt('.create-merge table G (Id:string, At:datetime)');
    await h.mgmt(
      `.create-or-alter table G ingestion json mapping 'GMap' '[{"column":"Id","path":"$.key"},{"column":"At","path":"$.when"}]'`,
    );
    const props = new IngestionProperties({
      database: DB,
      table: 'G',
      format: DataFormat.JSON,
      ingestionMappingReference: 'GMap',
    });
    const body = gzipSync(
      Buffer.from('{"key":"g1","when":"2025-03-01T00:00:00Z"}\n{"key":"g2","when":"2025-03-02T00:00:00Z"}\n'),
    );
    await queued.ingestFromStream(
      new StreamDescriptor(Readable.from([body]), undefined, CompressionType.GZIP),
      props,
    );
    assert.equal(await h.kusto.drainQueuedIngestion(), 1);
    assert.deepEqual(await h.query('G | order by At asc | project Id, At'), [
      { Id: 'g1', At: new Date('2025-03-01T00:00:00Z') },
      { Id: 'g2', At: new Date('2025-03-02T00:00:00Z') },
    ]);
  });

  it('streaming into a mapping that no longer fits the table, or one that is gone, is refused with the service code', async () => {
    await h.mgmt('.create-merge table Drift (Id:string, N:long)');
    await h.mgmt('.alter table Drift policy streamingingestion enable');
    await h.mgmt(
      `.create-or-alter table Drift ingestion json mapping 'DriftMap' '[{"column":"Id","path":"$.Id","datatype":"string"},{"column":"N","path":"$.N","datatype":"long"}]'`,
    );
    await h.mgmt('.alter column Drift.N type=string');
    const drift = (row: unknown, mapping: string) =>
      h.streamIngest('Drift', row, { format: DataFormat.MULTIJSON, mapping });
    await assert.rejects(drift({ Id: 'd1', N: 1 }, 'DriftMap'), (e: unknown) => {
      assert.equal(oneApiError(e)?.code, 'BadRequest_InconsistentMapping');
      assert.match(oneApiError(e)!['@message'], /column 'N' as long, but table 'Drift' has it as string/);
      return true;
    });
    await assert.rejects(drift({ Id: 'd1' }, 'NoSuchMap'), (e: unknown) => {
      assert.equal(oneApiError(e)?.code, 'BadRequest_InvalidMappingReference');
      return true;
    });
    assert.deepEqual(await h.query('Drift | count'), [{ Count: 0 }]);
  });

  it('queued failures are reported Permanent for a missing source blob, Transient when injected so', async () => {
    await h.mgmt('.create-merge table Faulty (Id:string)');
    const resources = await h.mgmt('.get ingestion resources');
    const readyQueue = String(
      resources.find((r) => r.ResourceTypeName === 'SecuredReadyForAggregationQueue')!.StorageRoot,
    );
    const tempStorage = String(resources.find((r) => r.ResourceTypeName === 'TempStorage')!.StorageRoot);
    const [container, sas] = tempStorage.split('?');
    const message = {
      Id: '0f8fad5b-d9cb-469f-a165-70867728950e',
      BlobPath: `${container}/never-uploaded.json?${sas}`,
      DatabaseName: DB,
      TableName: 'Faulty',
      ReportLevel: 2,
      ReportMethod: 0,
      AdditionalProperties: { format: 'multijson' },
    };
    h.kusto.injectIngestionFailures({ table: 'Faulty', status: 'Transient', count: 1 });
    // The injected failure takes the first batch for the table (the SDK's); the hand-made message after it names a
    // blob that was never uploaded.
    await queued.ingestFromStream(stream([{ Id: 'f1' }]), reportedBatch('Faulty'));
    await new QueueClient(readyQueue).sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
    assert.equal(await h.kusto.drainQueuedIngestion(), 0);
    const failures = (await popAll(new IngestStatusQueues(queued).failure)).filter(
      (f) => f.Table === 'Faulty',
    );
    assert.deepEqual(failures.map((f) => [f.ErrorCode, f.FailureStatus, f.ShouldRetry]).sort(), [
      ['Download_SourceNotFound', 'Permanent', false],
      ['General_TransientFailure', 'Transient', true],
    ]);
    assert.throws(
      () => h.kusto.injectIngestionFailures({ status: 'Maybe' as 'Transient' }),
      /'Transient' or 'Permanent'/,
    );
  });

  it('a state directory from before batching policies opens, with no policy set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kusto-old-state-'));
    try {
      const first = new KustoStore(dir);
      first.createMergeTable(DB, 'Old', [{ name: 'Id', type: 'string' }]);
      first.close();
      const raw = new Database(join(dir, 'kusto.sqlite'));
      raw.exec('ALTER TABLE tables DROP COLUMN batching');
      raw.close();
      const reopened = new KustoStore(dir);
      try {
        assert.equal(reopened.getTable(DB, 'Old')?.batchingPolicy, null);
        reopened.setBatchingPolicy(DB, 'Old', '{"MaximumBatchingTimeSpan":"00:00:30"}');
        assert.equal(reopened.getTable(DB, 'Old')?.batchingPolicy, '{"MaximumBatchingTimeSpan":"00:00:30"}');
      } finally {
        reopened.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tables, mappings, functions, extents and rows survive a restart', async () => {
    await h.mgmt('.create-or-alter function OnceIds() { Once | project Id }');
    await h.restart();
    queued.close();
    queued = new IngestClient(h.kcsb(), undefined, false);
    assert.deepEqual(await h.query('OnceIds | order by Id asc'), [{ Id: 'o1' }, { Id: 'o2' }, { Id: 'o3' }]);
    assert.equal((await h.mgmt('.show table S ingestion json mappings'))[0]!.Name, 'SMap');
    assert.equal((await h.mgmt(".show table Once extents where tags has 'ingest-by:batch-7'")).length, 1);
    // ingestIfNotExists still holds after the restart.
    const props = new IngestionProperties({
      database: DB,
      table: 'Once',
      format: DataFormat.MULTIJSON,
      ingestByTags: ['batch-7'],
      ingestIfNotExists: JSON.stringify(['batch-7']) as unknown as string,
    });
    await queued.ingestFromStream(stream([{ Id: 'o1' }]), props);
    assert.equal(await h.kusto.drainQueuedIngestion(), 0);
    assert.deepEqual(await h.query('Once | count'), [{ Count: 3 }]);
  });
});
