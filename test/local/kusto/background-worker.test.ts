/**
 * Without a virtual clock the queued-ingestion worker polls on its own, as a cluster's ingestion service does: a
 * queued batch becomes queryable without anyone calling drainQueuedIngestion().
 */
import { DataFormat, IngestClient, IngestionProperties } from 'azure-kusto-ingest';
import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DB, type Harness, startHarnessWithAzurite } from '../../harness/kusto-local';

describe('local Kusto background queue worker', { timeout: 30_000 }, () => {
  let h: Harness;

  before(async () => {
    h = await startHarnessWithAzurite({ queuePollMs: 50 });
  });
  after(async () => {
    await h?.close();
  });

  it('ingests a queued batch within a few poll intervals', async () => {
    await h.mgmt('.create-merge table Bg (Id:string)');
    const client = new IngestClient(h.kcsb(), undefined, false);
    try {
      const props = new IngestionProperties({ database: DB, table: 'Bg', format: DataFormat.MULTIJSON });
      await client.ingestFromStream(Readable.from([Buffer.from('[{"Id":"b1"},{"Id":"b2"}]')]), props);
    } finally {
      client.close();
    }
    let count = 0;
    for (let i = 0; i < 100 && count < 2; i++) {
      count = Number((await h.query('Bg | count'))[0]!.Count);
      if (count < 2) await sleep(50);
    }
    assert.equal(count, 2);
    assert.equal(await h.kusto.drainQueuedIngestion(), 0, 'nothing is left for an explicit drain');
  });
});
