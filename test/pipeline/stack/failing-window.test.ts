/**
 * A window whose ingestion keeps failing (Kusto refuses the app's writes) is retried with backoff, shown in status and
 * in the ledger, and never skipped: the checkpoint waits on it, and once Kusto accepts writes again the same window
 * is processed and the table ends exactly as the simulator's ground truth, without duplicates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HOUR, startPipelineHost, type PipelineHost, type PipelineStatus } from '../../harness/pipeline-host';

describe('a failing window is retried, reported and never skipped', () => {
  let p: PipelineHost;
  let origin: number;
  let failing: number;
  let whileBroken: PipelineStatus;

  before(async () => {
    // Busy enough that every hour selects rows, so the broken window really has something to ingest.
    p = await startPipelineHost({
      sim: { seed: 5, tenant: { recordsPerHour: 240, recordsPerBlob: 40, userReportedShare: 0.4 } },
    });
    origin = p.t0 - 2 * HOUR;
    failing = p.t0 - HOUR;
    await p.startLoop(origin);
    await p.driveUntil(p.t0);
    const first = await p.status();
    assert.equal(
      first.checkpoint?.nextStart,
      new Date(failing).toISOString(),
      'the first window went through',
    );

    // No role at all: every query and ingestion is refused (403), so ingestWindow fails fast.
    p.stack.kusto!.setDefaultRoles([]);
    await p.driveUntil(p.t0 + 2 * HOUR);
    whileBroken = await p.status();

    p.stack.kusto!.setDefaultRoles(['admin']);
    await p.driveUntil(p.t0 + 6 * HOUR);
  });
  after(async () => {
    await p?.dispose();
  });

  it('kept the checkpoint on the failing window and reported the failures while Kusto refused writes', () => {
    assert.ok(
      p.stack.sim!.groundTruth(failing, failing + HOUR).ids.length > 0,
      'the failing window has rows',
    );
    assert.equal(whileBroken.runtimeStatus, 'Running');
    assert.equal(whileBroken.checkpoint?.nextStart, new Date(failing).toISOString());
    assert.equal(whileBroken.loop?.state, 'retrying', JSON.stringify(whileBroken.loop));
    const failures = whileBroken.loop?.recentFailures ?? [];
    assert.ok(failures.length >= 2, `several attempts failed (${failures.length})`);
    const window = `${new Date(failing).toISOString()}/${new Date(failing + HOUR).toISOString()}`;
    for (const f of failures) assert.equal(f.window, window);
    assert.deepEqual(
      failures.map((f) => f.attempt),
      failures.map((_, i) => failures[0].attempt + i),
      'attempts count up: the same window each time',
    );
  });

  it('processed the failed window after Kusto recovered and moved on', async () => {
    const status = await p.status();
    const nextStart = Date.parse(status.checkpoint!.nextStart);
    assert.ok(nextStart >= p.t0 + 4 * HOUR, `checkpoint ${status.checkpoint!.nextStart}`);
    assert.equal(status.checkpoint!.windowsDone, (nextStart - origin) / HOUR, 'no window skipped');
    assert.equal(status.loop?.state, 'waiting');
  });

  it('the ledger shows the failed runs and the run that finally succeeded', async () => {
    const [entry] = await p.windows(failing, failing + 1);
    assert.ok(entry, 'the failing window has a ledger entry');
    assert.equal(entry.status, 'done');
    const failed = entry.runs.filter((r) => r.status === 'failed');
    const done = entry.runs.filter((r) => r.status === 'done');
    assert.ok(failed.length >= 2, JSON.stringify(entry.runs));
    assert.equal(done.length, 1);
    assert.match(done[0].instanceId, /-retry\d+$/);
    assert.ok(failed.every((r) => typeof r.error === 'string' && r.error.length > 0));
    assert.ok((done[0].counts?.ingested ?? 0) > 0, 'the retried window ingested its rows');
  });

  it('ends with exactly the ground truth of the processed range, no duplicates', async () => {
    const status = await p.status();
    await p.assertTableIsGroundTruth(origin, Date.parse(status.checkpoint!.nextStart));
  });
});
