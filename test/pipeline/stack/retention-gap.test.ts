/**
 * A checkpoint older than the API's 7-day retention (a pipeline stopped for eight days): the loop clamps its next
 * window inside retention, records the skipped range as data loss in the checkpoint, the status and the first
 * window's ledger entry, and drains the rest of the backlog into exactly the ground truth.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PIPELINE_INSTANCE_ID, zeroCounts, type Checkpoint } from '../../../src/pipeline/model';
import { retentionFloor } from '../../../src/pipeline/windows';
import { documentNames } from '../../../src/archive';
import { duplicatesIn, HOUR, startPipelineHost, type PipelineHost } from '../../harness/pipeline-host';

const DAY = 24 * HOUR;

describe('a checkpoint older than retention', () => {
  let p: PipelineHost;
  let stale: number;
  let floor: number;

  before(async () => {
    // Day-long windows keep the 7-day backlog to a handful of windows.
    p = await startPipelineHost({
      sim: { seed: 3, tenant: { recordsPerHour: 12, recordsPerBlob: 30 } },
      settings: { PIPELINE_WINDOW_MINUTES: '1440' },
    });
    stale = p.t0 - 8 * DAY;
    floor = retentionFloor(p.t0);
    const archive = p.archive();
    await archive.ensureContainer();
    const checkpoint: Checkpoint = {
      loopId: PIPELINE_INSTANCE_ID,
      nextStart: new Date(stale).toISOString(),
      origin: new Date(stale).toISOString(),
      updatedAt: new Date(stale).toISOString(),
      windowsDone: 0,
      totals: zeroCounts(),
      dataLoss: [],
    };
    await archive.writeJson(documentNames.checkpoint(PIPELINE_INSTANCE_ID), checkpoint, null);
    await p.startLoop();
    // No timer is due before the backlog is drained, so the clock stays at t0 throughout.
    await p.driveUntil(p.t0);
  });
  after(async () => {
    await p?.dispose();
  });

  it('records the unreachable range as data loss in the checkpoint and the status', async () => {
    const status = await p.status();
    const expected = { from: new Date(stale).toISOString(), to: new Date(floor).toISOString() };
    assert.equal(status.checkpoint?.dataLoss.length, 1, JSON.stringify(status.checkpoint));
    assert.deepEqual(
      { from: status.checkpoint.dataLoss[0].from, to: status.checkpoint.dataLoss[0].to },
      expected,
    );
    assert.match(status.checkpoint.dataLoss[0].reason, /retention/);
    assert.deepEqual(status.loop?.dataLoss, status.checkpoint.dataLoss);
  });

  it('starts again at the retention floor and drains the backlog in whole windows', async () => {
    const status = await p.status();
    const nextStart = Date.parse(status.checkpoint!.nextStart);
    assert.equal((nextStart - floor) % DAY, 0);
    assert.equal(status.checkpoint!.windowsDone, (nextStart - floor) / DAY);
    assert.ok(nextStart > p.t0 - DAY - 5 * 60_000, `caught up to ${status.checkpoint!.nextStart}`);
    assert.equal(status.loop?.state, 'waiting');
    const windows = await p.windows(floor - DAY, nextStart);
    assert.equal(
      windows[0].windowStart,
      new Date(floor).toISOString(),
      'nothing before the floor was listed',
    );
    assert.equal(windows[0].dataLoss?.length, 1);
    assert.equal(windows[0].dataLoss?.[0].to, new Date(floor).toISOString());
    assert.ok(windows.slice(1).every((w) => w.dataLoss === undefined));
  });

  it('ingests exactly the ground truth of the reachable range', async () => {
    const status = await p.status();
    const truth = p.stack.sim!.groundTruth(floor, Date.parse(status.checkpoint!.nextStart));
    const lost = new Set(truth.expiredIds);
    const ids = await p.tableIds();
    assert.deepEqual(duplicatesIn(ids), []);
    assert.ok(truth.ids.length > 0);
    assert.deepEqual(
      ids,
      truth.ids.filter((id) => !lost.has(id)),
    );
  });
});
