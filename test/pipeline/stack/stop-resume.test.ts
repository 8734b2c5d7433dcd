/**
 * Stop while the loop is busy draining a backlog, then start again: the stop request is not lost between generations
 * (the loop ends Completed before catching up), and the restarted loop resumes from the stored checkpoint — not from
 * the new start body — and ends with exactly the ground truth, nothing twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PIPELINE_INSTANCE_ID } from '../../../src/pipeline/model';
import { HOUR, startPipelineHost, type PipelineHost, type PipelineStatus } from '../../harness/pipeline-host';

describe('stop during a backlog, then start again', () => {
  let p: PipelineHost;
  let origin: number;
  let stopped: PipelineStatus;

  before(async () => {
    p = await startPipelineHost({ sim: { seed: 21, tenant: { recordsPerHour: 60, recordsPerBlob: 20 } } });
    origin = p.t0 - 12 * HOUR;
    await p.startLoop(origin);
    // Asked while the 11-window backlog drains (no timer is involved in draining it, so it runs on its own).
    const deadline = Date.now() + 20_000;
    while (((await p.status()).checkpoint?.windowsDone ?? 0) < 2) {
      assert.ok(Date.now() < deadline, 'two windows were processed');
      await new Promise((r) => setTimeout(r, 5));
    }
    const stop = await p.call('POST', '/api/pipeline/stop');
    assert.equal(stop.status, 202, JSON.stringify(stop.body));
    await p.stack.host.waitForStatus(PIPELINE_INSTANCE_ID, ['Completed', 'Failed', 'Terminated'], 30_000);
    await p.driveUntil(p.clock.now());
    stopped = await p.status();
  });
  after(async () => {
    await p?.dispose();
  });

  it('stopped before the backlog was drained, with the checkpoint on a window boundary', () => {
    assert.equal(stopped.runtimeStatus, 'Completed', JSON.stringify(stopped));
    assert.equal(stopped.loop?.state, 'stopped');
    const nextStart = Date.parse(stopped.checkpoint!.nextStart);
    assert.ok(nextStart < p.t0 - HOUR, `stopped early, at ${stopped.checkpoint!.nextStart}`);
    assert.ok(stopped.checkpoint!.windowsDone >= 2);
    assert.equal((nextStart - origin) % HOUR, 0);
    assert.equal(stopped.checkpoint!.windowsDone, (nextStart - origin) / HOUR);
  });

  it('holds the ground truth of the windows done so far', async () => {
    await p.assertTableIsGroundTruth(origin, Date.parse(stopped.checkpoint!.nextStart));
  });

  it('a new start resumes from the stored checkpoint and catches up to the ground truth', async () => {
    // A startFrom is ignored once a checkpoint exists: going back would re-process, going forward would skip.
    await p.startLoop(p.t0 - 2 * HOUR);
    await p.driveUntil(p.t0 + 2 * HOUR);
    const status = await p.status();
    assert.equal(status.runtimeStatus, 'Running');
    assert.equal(status.checkpoint!.origin, new Date(origin).toISOString());
    const nextStart = Date.parse(status.checkpoint!.nextStart);
    assert.ok(nextStart >= p.t0 + HOUR, `caught up to ${status.checkpoint!.nextStart}`);
    assert.equal(
      status.checkpoint!.windowsDone,
      (nextStart - origin) / HOUR,
      'no window skipped or repeated',
    );
    await p.assertTableIsGroundTruth(origin, nextStart);
  });
});
