/**
 * With honourBatchingPolicy the queued-ingestion worker holds a table's batches for its ingestion batching time, as
 * the service does, and ingests the pending batches of the table together; other tables follow their own policy.
 */
import { DataFormat, IngestClient, IngestionProperties } from 'azure-kusto-ingest';
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { VirtualClock } from '../../../local/clock';
import { startKustoLocal } from '../../../local/kusto';
import { type AzuriteHarness, DB, type Harness, startHarnessWithAzurite } from '../../harness/kusto-local';

const count = async (h: Harness, table: string): Promise<number> =>
  Number((await h.query(`${table} | count`))[0]!.Count);

describe('local Kusto queued ingestion honouring the batching policy', { timeout: 120_000 }, () => {
  let h: AzuriteHarness;

  before(async () => {
    h = await startHarnessWithAzurite({ queuePollMs: 200, honourBatchingPolicy: true });
  });
  after(async () => {
    await h?.close();
  });

  it('a batch becomes queryable only after its table batching time, and later batches join the open batch', async () => {
    await h.mgmt('.create-merge table Held (Id:string)');
    await h.mgmt(`.alter table Held policy ingestionbatching '{"MaximumBatchingTimeSpan":"00:00:10"}'`);
    await h.mgmt('.create-merge table Slow (Id:string)'); // no policy: the service default of 5 minutes
    const client = new IngestClient(h.kcsb(), undefined, false);
    const send = (table: string, id: string): Promise<unknown> =>
      client.ingestFromStream(
        Readable.from([Buffer.from(JSON.stringify({ Id: id }))]),
        new IngestionProperties({ database: DB, table, format: DataFormat.MULTIJSON }),
      );
    try {
      const start = Date.now();
      await send('Held', 'h1');
      await send('Slow', 's1');
      const firstSent = Date.now();
      await sleep(3000);
      await send('Held', 'h2');
      const secondSent = Date.now();
      await sleep(2000);
      assert.equal(await count(h, 'Held'), 0, 'held while the batching time runs');
      let landed = 0;
      while (landed < 2 && Date.now() - start < 60_000) {
        await sleep(250);
        landed = await count(h, 'Held');
      }
      const elapsed = Date.now() - start;
      assert.equal(landed, 2, 'both batches land together');
      assert.ok(elapsed >= 10_000, `landed after ${elapsed} ms, not before the 10 s batching time`);
      const extents = await h.query('Held | extend At = ingestion_time() | project Id, At');
      const at = new Map(extents.map((e) => [String(e.Id), (e.At as Date).getTime()]));
      assert.ok(at.get('h1')! >= firstSent + 10_000 - 1000, 'h1 waited for the batching time');
      assert.ok(
        at.get('h2')! < secondSent + 10_000 - 1000,
        `h2 joined the batch h1 opened (landed ${at.get('h2')! - secondSent} ms after it was sent)`,
      );
      assert.equal(await count(h, 'Slow'), 0, 'a table without a policy waits the service default');
    } finally {
      client.close();
    }
  });

  it('is refused with a virtual clock, whose time queued messages do not share', async () => {
    await assert.rejects(
      startKustoLocal({
        port: 0,
        stateDir: join(h.dir, 'virtual'),
        azurite: h.azurite,
        clock: new VirtualClock('2026-11-20T00:00:00Z'),
        honourBatchingPolicy: true,
      }),
      /needs the system clock/,
    );
  });
});
