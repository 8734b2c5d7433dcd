/**
 * The default ingestion mode (queued): rows become queryable only when the cluster's queue is drained, so the Id
 * check before ingestion cannot see the rows of a batch ingested minutes ago. A rewind started right after a live
 * window must still not ingest that window's rows again, although the rewind builds that window's rows from its own
 * pending store (so their content tag differs from the live batch's): ingestion also drops the Ids of batches queued
 * in the last hour.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HOUR, MINUTE, startPipelineHost, type PipelineHost } from '../../harness/pipeline-host';

describe('queued ingestion: a rewind right after a live window, before its rows are queryable', () => {
  let p: PipelineHost;
  let origin: number;
  let end: number;
  let rewound: { totals: { ingested: number; duplicateRecords: number } };

  before(async () => {
    p = await startPipelineHost({
      sim: { seed: 13, tenant: { recordsPerHour: 120, recordsPerBlob: 20, userReportedShare: 0.4 } },
      settings: { KUSTO_INGESTION_MODE: 'queued' },
    });
    origin = p.t0 - 5 * HOUR;
    await p.startLoop(origin);
    await p.driveUntil(p.t0);
    // The cluster's batching has long made these rows queryable.
    await p.stack.kusto!.drainQueuedIngestion();
    // One more live window, and a rewind from mid-run over it at once, with nothing drained in between.
    await p.driveUntil(p.t0 + 10 * MINUTE);
    end = Date.parse((await p.status()).checkpoint!.nextStart);
    assert.equal(end, p.t0, 'the window ending at t0 was processed');
    const rewind = await p.call('POST', '/api/pipeline/rewind', {
      from: new Date(end - 3 * HOUR).toISOString(),
      to: new Date(end).toISOString(),
    });
    assert.equal(rewind.status, 202, JSON.stringify(rewind.body));
    const done = (await p.stack.host.waitForStatus(
      (rewind.body as { instanceId: string }).instanceId,
      ['Completed'],
      30_000,
    )) as {
      customStatus: typeof rewound;
    };
    rewound = done.customStatus;
    await p.driveUntil(p.clock.now());
    await p.stack.kusto!.drainQueuedIngestion();
  });
  after(async () => {
    await p?.dispose();
  });

  it('the rewind ingested nothing and counted the rows it dropped', () => {
    assert.equal(rewound.totals.ingested, 0);
    assert.ok(rewound.totals.duplicateRecords > 0);
  });

  it('holds exactly the ground truth, every Id once', async () => {
    await p.assertTableIsGroundTruth(origin, end);
  });
});
