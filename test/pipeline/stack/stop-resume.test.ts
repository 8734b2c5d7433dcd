/**
 * Stop while the loop is busy draining a backlog, then start again: the stop request is not lost between generations
 * (the loop ends Completed before catching up), and the restarted loop resumes from the stored checkpoint — not from
 * the new start body — and ends with exactly the ground truth, nothing twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PIPELINE_INSTANCE_ID } from '../../../src/pipeline/model';
import {
  duplicatesIn,
  HOUR,
  startPipelineHost,
  type PipelineHost,
  type StatusBody,
} from '../../harness/pipeline-host';

describe('stop during a backlog, then start again', () => {
  let p: PipelineHost;
  let origin: number;
  let stopped: StatusBody;

  before(async () => {
    p = await startPipelineHost({ sim: { seed: 21, tenant: { recordsPerHour: 60, recordsPerBlob: 20 } } });
    origin = p.t0 - 12 * HOUR;
    const started = await p.call('POST', '/api/pipeline/start', {
      startFrom: new Date(origin).toISOString(),
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
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
    const truth = p.stack.sim!.groundTruth(origin, Date.parse(stopped.checkpoint!.nextStart));
    const ids = await p.tableIds();
    assert.deepEqual(duplicatesIn(ids), []);
    assert.deepEqual(ids, truth.ids);
  });

  it('a new start resumes from the stored checkpoint and catches up to the ground truth', async () => {
    // A startFrom is ignored once a checkpoint exists: going back would re-process, going forward would skip.
    const again = await p.call('POST', '/api/pipeline/start', {
      startFrom: new Date(p.t0 - 2 * HOUR).toISOString(),
    });
    assert.equal(again.status, 202, JSON.stringify(again.body));
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
    const ids = await p.tableIds();
    assert.deepEqual(duplicatesIn(ids), []);
    assert.deepEqual(ids, p.stack.sim!.groundTruth(origin, nextStart).ids);
  });
});
