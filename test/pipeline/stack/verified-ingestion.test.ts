/**
 * Queued ingestion is verified, not assumed: a batch the cluster rejects for good is detected from its ingestion
 * report, reported in status, /windows and the data-loss list with its rows document, Ids and the service's error,
 * its Ids are freed from the recently-queued cache, and once the cause is gone a rewind of the window lands its rows
 * exactly once. A batch that meets a transient failure is re-sent with its tag and marked succeeded when it lands.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config';
import { verifyIngestions, type VerifySummary } from '../../../src/functions/verify-ingestions';
import { KustoSink } from '../../../src/kusto';
import { PipelineState } from '../../../src/pipeline/state';
import {
  duplicatesIn,
  HOUR,
  MINUTE,
  startPipelineHost,
  type PipelineHost,
  type PipelineStatus,
} from '../../harness/pipeline-host';

interface IngestionStatus {
  ingestionFailures: {
    sourceId: string;
    rowsDocument: string;
    ids: string[];
    error: string;
    errorCode?: string;
  }[];
  ingestions: {
    pending: number;
    overdue: unknown[];
    handedToQueryable?: { batches: number; p50: number; p95: number; max: number };
  };
  dataLoss: { reason: string; rowsDocument?: string; ids?: string[] }[];
}

describe('verified ingestion: a rejected queued batch is detected, reported and re-sent by a rewind', () => {
  let p: PipelineHost;
  let sink: KustoSink;
  let state: PipelineState;
  let origin: number;
  let firstVerify: VerifySummary;
  let afterReject: PipelineStatus & IngestionStatus;
  let idsAfterReject: string[];
  let secondVerify: VerifySummary;
  let resentVerify: VerifySummary;
  let idsAfterResend: string[];
  let rejectedWindow: { ingestionFailures?: unknown[] } | undefined;
  let rewindVerify: VerifySummary;

  const verify = async () => {
    await p.stack.kusto!.drainQueuedIngestion();
    return verifyIngestions(state, sink, Date.now());
  };

  before(async () => {
    p = await startPipelineHost({
      sim: { seed: 17, tenant: { recordsPerHour: 160, recordsPerBlob: 20, userReportedShare: 0.4 } },
      settings: { KUSTO_INGESTION_MODE: 'queued' },
    });
    const config = loadConfig(p.stack.settings);
    sink = new KustoSink(config.kusto);
    state = new PipelineState(p.archive());
    origin = p.t0 - 2 * HOUR;
    // The first queued batch of the alerts table is rejected as a row that does not fit the mapping.
    p.stack.kusto!.injectIngestionFailures({
      table: config.kusto.table,
      status: 'Permanent',
      errorCode: 'BadRequest_InconsistentMapping',
      details: 'column CreationTime: cannot convert',
      count: 1,
    });
    await p.startLoop(origin);
    await p.driveUntil(origin + HOUR + 10 * MINUTE);
    firstVerify = await verify();
    afterReject = (await p.status()) as PipelineStatus & IngestionStatus;
    idsAfterReject = await p.tableIds();
    [rejectedWindow] = (await p.windows(origin, origin + 1)) as unknown as {
      ingestionFailures?: unknown[];
    }[];

    // The cause is gone (the fault was for one batch). The next window's batch meets a transient failure: re-sent.
    p.stack.kusto!.injectIngestionFailures({ table: config.kusto.table, status: 'Transient', count: 1 });
    await p.driveUntil(p.t0 + 10 * MINUTE);
    secondVerify = await verify();
    resentVerify = await verify();
    idsAfterResend = await p.tableIds();

    const rewind = await p.call('POST', '/api/pipeline/rewind', {
      from: new Date(origin).toISOString(),
      to: new Date(origin + HOUR).toISOString(),
    });
    assert.equal(rewind.status, 202, JSON.stringify(rewind.body));
    await p.stack.host.waitForStatus(
      (rewind.body as { instanceId: string }).instanceId,
      ['Completed'],
      30_000,
    );
    rewindVerify = await verify();
  });
  after(async () => {
    await sink?.close().catch(() => undefined);
    await p?.dispose();
  });

  it('detects the rejected batch from its report and reports it with its rows document, Ids and the error', () => {
    assert.equal(firstVerify.failed, 1, JSON.stringify(firstVerify));
    assert.equal(afterReject.ingestionFailures.length, 1, JSON.stringify(afterReject.ingestionFailures));
    const failure = afterReject.ingestionFailures[0];
    assert.equal(failure.errorCode, 'BadRequest_InconsistentMapping');
    assert.match(failure.error, /cannot convert/);
    assert.ok(failure.ids.length > 0);
    assert.match(failure.rowsDocument, /_window-rows\.json$/);
    const truth = p.stack.sim!.groundTruth(origin, origin + HOUR);
    assert.deepEqual([...failure.ids].sort(), [...truth.ids].sort(), 'the batch held the window rows');
    const loss = afterReject.dataLoss.filter((d) => d.rowsDocument === failure.rowsDocument);
    assert.equal(loss.length, 1, 'named in the data-loss list');
    for (const id of failure.ids)
      assert.ok(!idsAfterReject.includes(id), 'rejected rows are not in the table');
  });

  it('shows the rejected batch on its window in /windows', () => {
    assert.equal(rejectedWindow?.ingestionFailures?.length, 1);
  });

  it('re-sends a transiently failed batch with its tag, and marks it succeeded when it lands', () => {
    assert.equal(secondVerify.resent, 1, JSON.stringify(secondVerify));
    assert.equal(secondVerify.failed, 0);
    assert.ok(resentVerify.succeeded >= 1, JSON.stringify(resentVerify));
    const truth = p.stack.sim!.groundTruth(origin + HOUR, p.t0);
    for (const id of truth.ids)
      assert.ok(idsAfterResend.includes(id), `row ${id} of the second window landed`);
    assert.deepEqual(duplicatesIn(idsAfterResend), []);
  });

  it('a rewind of the window after the cause is gone lands its rows exactly once', async () => {
    assert.equal(rewindVerify.failed, 0, JSON.stringify(rewindVerify));
    const status = await p.status();
    await p.assertTableIsGroundTruth(origin, Date.parse(status.checkpoint!.nextStart));
    const after = (await p.status()) as PipelineStatus & IngestionStatus;
    assert.deepEqual(after.ingestionFailures, [], 'no longer reported once its rows landed');
    // Handed → queryable in queued mode: from each batch's hand-off to the cluster's success report.
    const queryable = after.ingestions.handedToQueryable;
    assert.ok(queryable && queryable.batches >= 2, JSON.stringify(after.ingestions));
    assert.ok(0 <= queryable.p50 && queryable.p50 <= queryable.p95 && queryable.p95 <= queryable.max);
  });
});
