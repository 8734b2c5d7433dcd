/**
 * A stop that arrives just after a window finished, while the loop saves its checkpoint: the generation is no longer
 * listening for the event and continueAsNew drops it (the local host does what Azure does). The stored stop request
 * must still stop the loop after at most one more window.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PIPELINE_INSTANCE_ID } from '../../../src/pipeline/model';
import { windowInstanceId } from '../../../src/pipeline/windows';
import { HOUR, startPipelineHost, type PipelineHost, type PipelineStatus } from '../../harness/pipeline-host';

describe('a stop that arrives while the checkpoint is being saved', () => {
  let p: PipelineHost;
  let origin: number;
  let status: PipelineStatus;

  before(async () => {
    p = await startPipelineHost({ sim: { seed: 2, tenant: { recordsPerHour: 20, recordsPerBlob: 20 } } });
    origin = p.t0 - 8 * HOUR;
    await p.startLoop(origin);
    // The host runs in this process: the third window's completion is seen within milliseconds, and the stop
    // lands while its checkpoint is written.
    const third = windowInstanceId(PIPELINE_INSTANCE_ID, 'Audit.General', origin + 2 * HOUR);
    await p.stack.host.waitForStatus(third, ['Completed'], 20_000);
    const stop = await p.call('POST', '/api/pipeline/stop');
    assert.equal(stop.status, 202, JSON.stringify(stop.body));
    await p.driveUntil(p.t0 + 3 * HOUR);
    status = await p.status();
  });
  after(async () => {
    await p?.dispose();
  });

  it('stops the loop within one more window', () => {
    assert.equal(status.runtimeStatus, 'Completed', JSON.stringify(status.loop));
    assert.equal(status.loop?.state, 'stopped');
    const done = status.checkpoint!.windowsDone;
    assert.ok(done >= 3 && done <= 4, `stopped after ${done} windows`);
  });

  it('a new start clears the old request and runs on past its first window', async () => {
    await p.startLoop();
    await p.driveUntil(p.t0 + 3 * HOUR);
    const resumed = await p.status();
    assert.equal(resumed.runtimeStatus, 'Running');
    assert.ok(resumed.checkpoint!.windowsDone >= status.checkpoint!.windowsDone + 2, 'more than one window');
  });
});
