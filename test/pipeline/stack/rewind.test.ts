/**
 * Rewinding a range that was already processed: every blob is fetched again and the current rules re-applied, but
 * rows whose Id is in the table are not ingested again, so the table is unchanged; the ledger shows the second run,
 * and status lists the rewind with its progress while it runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  currentHour,
  duplicates,
  HOUR,
  settle,
  SMALL_TENANT,
  sorted,
  startE2eStack,
  type E2eStack,
  type TableRow,
} from '../../harness/stack-harness';

interface LedgerWindow {
  windowStart: string;
  status: string;
  runs: {
    instanceId: string;
    kind: string;
    status: string;
    counts?: { fetched: number; ingested: number };
  }[];
}

interface RewindProgress {
  instanceId: string;
  runtimeStatus: string;
  from: string;
  to: string;
  state: string;
  windowsDone: number;
  windowsTotal: number;
}

describe('rewind of an already processed range', () => {
  let stack: E2eStack;
  let origin: number;
  let before1: TableRow[];
  let after1: TableRow[];
  let rewindId: string;
  let windows: LedgerWindow[];
  let contentFetchesByRewind: number;
  let inProgress: RewindProgress[] | undefined;
  let afterRewind: RewindProgress[];
  before(async () => {
    const t0 = currentHour();
    origin = t0 - 6 * HOUR;
    stack = await startE2eStack({
      t0,
      untilMs: t0 + 2 * HOUR,
      startFrom: origin,
      sim: { seed: 5, tenant: { ...SMALL_TENANT, contentStartMs: origin } },
    });
    await settle(stack);
    before1 = await stack.rows();
    const fetchesBefore = stack.sim!.counters().requests.content;
    // Slow API answers (real time) keep the rewind running long enough to read its progress from status.
    stack.sim!.setFaults({ latencyMs: { min: 200, max: 200 } });
    const reply = await stack.call('POST', '/api/pipeline/rewind', {
      from: new Date(origin).toISOString(),
      to: new Date(origin + 4 * HOUR).toISOString(),
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    rewindId = (reply.body as { instanceId: string }).instanceId;
    const rewindsNow = async () =>
      ((await stack.status()) as unknown as { rewinds: RewindProgress[] }).rewinds;
    for (let i = 0; i < 400 && !inProgress; i++) {
      const rewinds = await rewindsNow();
      if (rewinds.some((r) => r.windowsDone >= 1)) inProgress = rewinds;
      else await new Promise((r) => setTimeout(r, 25));
    }
    stack.sim!.setFaults({ latencyMs: { min: 0, max: 0 } });
    await stack.host.waitForStatus(rewindId, ['Completed', 'Failed', 'Terminated'], 60_000);
    afterRewind = await rewindsNow();
    await settle(stack);
    contentFetchesByRewind = stack.sim!.counters().requests.content - fetchesBefore;
    after1 = await stack.rows();
    const ledger = await stack.call(
      'GET',
      `/api/pipeline/windows?from=${new Date(origin).toISOString()}&to=${new Date(origin + 4 * HOUR).toISOString()}`,
    );
    assert.equal(ledger.status, 200, JSON.stringify(ledger.body));
    windows = (ledger.body as { windows: LedgerWindow[] }).windows;
  });
  after(async () => {
    await stack?.dispose();
  });

  it('completes and adds nothing to the table', async () => {
    const status = await stack.host.waitForStatus(rewindId, ['Completed', 'Failed', 'Terminated'], 1000);
    assert.equal((status as { runtimeStatus: string }).runtimeStatus, 'Completed', JSON.stringify(status));
    assert.ok(before1.length > 5, `the live run ingested rows (${before1.length})`);
    assert.deepEqual(duplicates(after1.map((r) => r.Id)), []);
    assert.deepEqual(sorted(after1.map((r) => r.Id)), sorted(before1.map((r) => r.Id)));
  });

  it('is listed in status with its range and progress while it runs, and no longer once it completed', () => {
    assert.ok(inProgress, 'status listed the rewind after its first window');
    assert.equal(inProgress.length, 1, JSON.stringify(inProgress));
    const [progress] = inProgress;
    assert.equal(progress.instanceId, rewindId);
    assert.equal(progress.runtimeStatus, 'Running');
    assert.equal(progress.state, 'running');
    assert.deepEqual(
      [progress.from, progress.to],
      [new Date(origin).toISOString(), new Date(origin + 4 * HOUR).toISOString()],
    );
    assert.equal(progress.windowsTotal, 4);
    assert.ok(progress.windowsDone >= 1 && progress.windowsDone < 4, JSON.stringify(progress));
    assert.deepEqual(afterRewind, []);
  });

  it('re-fetched the blobs of the range', () => {
    const blobs = stack.sim!.groundTruth(origin, origin + 4 * HOUR).contentBlobs;
    assert.ok(blobs > 0);
    assert.ok(contentFetchesByRewind >= blobs, `${contentFetchesByRewind} fetches for ${blobs} blobs`);
  });

  it('shows the re-processing in the ledger', () => {
    assert.equal(windows.length, 4, JSON.stringify(windows));
    for (const w of windows) {
      assert.equal(w.status, 'done');
      const kinds = w.runs.map((r) => r.kind);
      assert.ok(kinds.includes('live'), `${w.windowStart}: live run recorded (${kinds.join(',')})`);
      const rewind = w.runs.find((r) => r.kind === 'rewind');
      assert.ok(rewind, `${w.windowStart}: rewind run recorded`);
      assert.equal(
        rewind.instanceId.startsWith(rewindId),
        true,
        `${rewind.instanceId} belongs to ${rewindId}`,
      );
      assert.equal(rewind.status, 'done');
      assert.equal(rewind.counts?.ingested, 0, `${w.windowStart}: the rewind ingested nothing new`);
    }
  });
});
