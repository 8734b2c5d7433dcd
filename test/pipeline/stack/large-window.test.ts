/**
 * A window with more blobs than one fetch batch: the window fans out through fetchBatch child orchestrations (so its
 * own history stays bounded), every blob is archived raw once, large selections travel by pointer, and the table
 * holds exactly the ground truth.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PIPELINE_INSTANCE_ID } from '../../../src/pipeline/model';
import { RequestBudget } from '../../../src/o365';
import type { ShownEvent } from '../../harness/host-helpers';
import { DEFAULT_FETCH_BATCH_SIZE } from '../../../orchestrators/processWindow';
import { windowInstanceId } from '../../../src/pipeline/windows';
import { MINUTE, startPipelineHost, type PipelineHost } from '../../harness/pipeline-host';

describe('a window larger than one fetch batch', () => {
  let p: PipelineHost;
  let start: number;
  let end: number;

  before(async () => {
    p = await startPipelineHost({
      sim: { seed: 9, tenant: { recordsPerHour: 2_100, recordsPerBlob: 10, userReportedShare: 0.8 } },
    });
    // Exactly one whole window is due: [t0 − 65 min, t0 − 5 min).
    start = p.t0 - 65 * MINUTE;
    end = start + 60 * MINUTE;
    await p.startLoop(start);
    await p.driveUntil(p.t0);
  });
  after(async () => {
    await p?.dispose();
  });

  /** The instance's history events, from the host's status API. */
  async function history(instanceId: string): Promise<ShownEvent[]> {
    const res = await fetch(
      `${p.stack.host.rpcBaseUrl}instances/${encodeURIComponent(instanceId)}?showHistory=true`,
    );
    assert.equal(res.status, 200);
    return ((await res.json()) as { historyEvents: ShownEvent[] }).historyEvents;
  }

  it('processed the window through fetchBatch children of at most one batch each', async () => {
    const truth = p.stack.sim!.groundTruth(start, end);
    assert.ok(truth.contentBlobs > DEFAULT_FETCH_BATCH_SIZE, `${truth.contentBlobs} blobs`);
    const windowId = windowInstanceId(PIPELINE_INSTANCE_ID, 'Audit.General', start);
    const batches = Math.ceil(truth.contentBlobs / DEFAULT_FETCH_BATCH_SIZE);
    let fetched = 0;
    for (let i = 0; i < batches; i++) {
      const child = (await p.stack.host.waitForStatus(`${windowId}-batch${i}`, ['Completed'], 5_000)) as {
        output: unknown[];
      };
      assert.ok(child.output.length <= DEFAULT_FETCH_BATCH_SIZE);
      fetched += child.output.length;
    }
    assert.equal(fetched, truth.contentBlobs);
    const status = await p.status();
    assert.equal(status.checkpoint?.windowsDone, 1);
    assert.equal(status.checkpoint?.totals.fetched, truth.contentBlobs);
  });

  it("fetched at most the budget's fetchesInFlight at once, one batch child at a time", async () => {
    // The stack's client has the default budget, 2,000 requests/min.
    const limit = new RequestBudget(2000).fetchesInFlight();
    const windowId = windowInstanceId(PIPELINE_INSTANCE_ID, 'Audit.General', start);
    const window = await history(windowId);
    assert.equal(peakOpen(window, 'SubOrchestrationInstanceCreated', 'SubOrchestrationInstanceCompleted'), 1);
    const batch0 = await history(`${windowId}-batch0`);
    assert.equal(peakOpen(batch0, 'TaskScheduled', 'TaskCompleted'), limit);
  });

  it('archived every blob raw, once', async () => {
    const truth = p.stack.sim!.groundTruth(start, end);
    const raw = await p.archive().list('raw/Audit.General/');
    assert.equal(raw.length, truth.contentBlobs);
  });

  it('passed large selections by pointer', async () => {
    const pointers = (await p.archive().list('selections/')).filter((n) => !n.includes('_window-rows'));
    assert.ok(pointers.length > 0, 'some selection was too large to travel inline');
  });

  it('holds exactly the ground truth, no duplicates', async () => {
    await p.assertTableIsGroundTruth(start, end);
  });
});

/** The most tasks started (`opened`) and not yet completed (`closed`, by TaskScheduledId) at any point of a history. */
function peakOpen(events: ShownEvent[], opened: string, closed: string): number {
  const open = new Set<number>();
  let peak = 0;
  for (const e of events) {
    if (e.EventType === opened) open.add(e.EventId);
    if (e.EventType === closed) open.delete(e.TaskScheduledId!);
    peak = Math.max(peak, open.size);
  }
  return peak;
}
