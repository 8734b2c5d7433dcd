/**
 * Poison blobs never stop the loop: each kind the simulator serves (a persistent 404 without an AF code, a
 * contentUri on a foreign host, a body over the size cap, an impossible contentCreated, a blob that answers 404 for a
 * while and then recovers) sits beside good blobs in the first and second windows. Every good alert lands exactly
 * once, the bad blobs are parked and visible in status, the loop keeps pace, the recovering blob is retried and
 * ingested, and a parked blob reaching its expiration is given up with exactly one data-loss entry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WindowCounts } from '../../../src/pipeline/model';
import { PipelineState, parkedSetName, type ParkedSetDocument } from '../../../src/pipeline/state';
import {
  duplicatesIn,
  HOUR,
  MINUTE,
  startPipelineHost,
  type PipelineHost,
  type PipelineStatus,
  type WindowView,
} from '../../harness/pipeline-host';

interface ParkedStatus {
  parked: {
    count: number;
    oldestCreated?: string;
    nextExpiry?: string;
    hoursToNextExpiry?: number;
    blobs: { contentId: string; attempts: number; lastError: string; contentExpiration: string }[];
  };
  dataLoss: { contentId?: string; reason: string; from?: string; to?: string }[];
}

type Status = PipelineStatus & ParkedStatus;

/** One counter summed over the done runs of these windows. */
function doneRunsTotal(windows: WindowView[], counter: keyof WindowCounts): number {
  return windows
    .flatMap((w) => w.runs.filter((r) => r.status === 'done'))
    .reduce((sum, r) => sum + ((r.counts as Partial<WindowCounts> | undefined)?.[counter] ?? 0), 0);
}

describe('poison blobs are parked, retried and given up without stopping the loop', () => {
  let p: PipelineHost;
  let origin: number;
  const poison: Record<string, string> = {};
  let afterPoison: Status;
  let idsAfterPoison: string[];

  before(async () => {
    p = await startPipelineHost({
      sim: { seed: 11, tenant: { recordsPerHour: 240, recordsPerBlob: 20, userReportedShare: 0.4 } },
      settings: { O365_MAX_CONTENT_MB: '1' },
    });
    origin = p.t0 - 2 * HOUR;
    const sim = p.stack.sim!;
    const first = sim.blobs(origin, origin + HOUR);
    const second = sim.blobs(origin + HOUR, origin + 2 * HOUR);
    assert.ok(first.length >= 6 && second.length >= 4, `enough blobs (${first.length}, ${second.length})`);
    poison.notFound = first[1].contentId;
    poison.foreignHost = first[2].contentId;
    poison.oversize = second[1].contentId;
    poison.badContentCreated = second[2].contentId;
    poison.recovering = first[3].contentId;
    sim.setFaults({
      notFoundContentIds: [poison.notFound],
      foreignHostContentIds: [poison.foreignHost],
      oversizeContentIds: [poison.oversize],
      oversizeBlobBytes: 2 * 1024 * 1024,
      badContentCreatedContentIds: [poison.badContentCreated],
      recoveringContentIds: [poison.recovering],
      recoverAt: p.t0 + 30 * MINUTE,
    });

    await p.startLoop(origin);
    // The second window is due after the settle delay.
    await p.driveUntil(p.t0 + 10 * MINUTE);
    afterPoison = (await p.status()) as Status;
    idsAfterPoison = await p.tableIds();
    // The recovering blob answers from t0 + 30 min; the window processed at t0 + 65 min retries it first.
    await p.driveUntil(p.t0 + 2 * HOUR);
  });
  after(async () => {
    await p?.dispose();
  });

  it('processed both poisoned windows at once and kept pace (no retry, no lag)', () => {
    assert.equal(afterPoison.checkpoint?.nextStart, new Date(p.t0).toISOString());
    assert.deepEqual(afterPoison.loop?.recentFailures ?? [], [], 'no window failed');
  });

  it('parked every poison blob with its error, visible in status', () => {
    const parkedIds = afterPoison.parked.blobs.map((b) => b.contentId).sort();
    assert.deepEqual(parkedIds, Object.values(poison).sort());
    assert.equal(afterPoison.parked.count, 5);
    assert.ok(afterPoison.parked.nextExpiry, 'next expiry shown');
    assert.ok((afterPoison.parked.hoursToNextExpiry ?? 0) > 150, 'about 7 days left');
    for (const b of afterPoison.parked.blobs) assert.ok(b.lastError.length > 0, JSON.stringify(b));
    const foreign = afterPoison.parked.blobs.find((b) => b.contentId === poison.foreignHost)!;
    assert.match(foreign.lastError, /evil\.example\.net|origin|host/i);
    assert.equal(
      p.stack.sim!.counters().authorizationToForeignHost ?? 0,
      0,
      'no token was sent to the foreign host',
    );
  });

  it('landed every good alert of the poisoned windows exactly once', () => {
    const truth = p.stack.sim!.groundTruth(origin, p.t0, { recovering: 'lost' });
    assert.deepEqual(duplicatesIn(idsAfterPoison), []);
    assert.deepEqual(idsAfterPoison, truth.ids);
  });

  it('retried the recovering blob after it recovered, ingested it and released its alerts', async () => {
    const status = (await p.status()) as Status;
    assert.ok(!status.parked.blobs.some((b) => b.contentId === poison.recovering), 'no longer parked');
    assert.equal(status.parked.count, 4);
    const windows = await p.windows(origin, p.t0 + 2 * HOUR);
    assert.equal(doneRunsTotal(windows, 'recoveredBlobs'), 1, 'one blob recovered');
    assert.equal(doneRunsTotal(windows, 'parkedBlobs'), 5, 'each poison blob counted once as newly parked');
    await p.assertTableIsGroundTruth(origin, Date.parse(status.checkpoint!.nextStart));
    assert.ok(status.lagMinutes !== null && status.lagMinutes <= 70, `lag ${status.lagMinutes}`);
  });

  it('gives up a parked blob at its expiration with exactly one data-loss entry', async () => {
    const state = new PipelineState(p.archive());
    const name = parkedSetName('o365-pipeline', 'Audit.General');
    // Bring the 404 blob's expiration near: waiting 7 days of windows proves nothing more.
    const doc = await p.archive().readJson<ParkedSetDocument>(name);
    assert.ok(doc, 'the Audit.General parked set exists');
    const soon = new Date(p.t0 + 2 * HOUR + 30 * MINUTE).toISOString();
    await p.archive().writeJson(
      name,
      {
        ...doc.value,
        blobs: doc.value.blobs.map((b) =>
          b.contentId === poison.notFound ? { ...b, contentExpiration: soon } : b,
        ),
      },
      doc.etag,
    );
    await p.driveUntil(p.t0 + 5 * HOUR);
    const status = (await p.status()) as Status;
    const lost = status.dataLoss.filter((d) => d.contentId === poison.notFound);
    assert.equal(lost.length, 1, JSON.stringify(status.dataLoss));
    assert.match(lost[0].reason, /given up/);
    assert.ok(!status.parked.blobs.some((b) => b.contentId === poison.notFound));
    assert.equal(status.parked.count, 3);
    const sets = await state.parkedSets('o365-pipeline');
    assert.equal(sets.flatMap((s) => s.lost).filter((l) => l.contentId === poison.notFound).length, 1);
    const windows = await p.windows(origin, p.t0 + 5 * HOUR);
    const ledgerLoss = windows
      .flatMap((w) => w.dataLoss ?? [])
      .filter((d) => d.contentId === poison.notFound);
    assert.equal(ledgerLoss.length, 1, 'one ledger entry names it');
  });

  it('retries parked blobs on demand: marks them for the next window and says which ids are not parked', async () => {
    const id = poison.oversize;
    const reply = await p.call('POST', '/api/pipeline/parked/retry', {
      contentIds: [id, 'not-a-parked-blob'],
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const body = reply.body as { marked: string[]; notParked?: string[] };
    assert.deepEqual(body.marked, [id]);
    assert.deepEqual(body.notParked, ['not-a-parked-blob']);
    const before = (await p.status()) as Status;
    const marked = before.parked.blobs.find((b) => b.contentId === id) as {
      attempts: number;
      retryRequestedAt?: string;
    };
    assert.ok(marked.retryRequestedAt, 'marked as asked for');
    const attemptsBefore = marked.attempts;
    await p.driveUntil(p.t0 + 6 * HOUR);
    const after = (await p.status()) as Status;
    const entry = after.parked.blobs.find((b) => b.contentId === id)!;
    assert.ok(entry.attempts > attemptsBefore, 'retried by the next window');
    assert.equal(
      (entry as { retryRequestedAt?: string }).retryRequestedAt,
      undefined,
      'the request was served',
    );
    const bad = await p.call('POST', '/api/pipeline/parked/retry', { contentType: 'Audit.Nothing' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /configured content types/);
  });

  it('a rewind over the poisoned windows completes, parks into the live set without duplicates and adds no row twice', async () => {
    const before = (await p.status()) as Status;
    const rewind = await p.call('POST', '/api/pipeline/rewind', {
      from: new Date(origin).toISOString(),
      to: new Date(origin + 2 * HOUR).toISOString(),
    });
    assert.equal(rewind.status, 202, JSON.stringify(rewind.body));
    await p.stack.host.waitForStatus(
      (rewind.body as { instanceId: string }).instanceId,
      ['Completed'],
      60_000,
    );
    const after = (await p.status()) as Status;
    assert.deepEqual(
      after.parked.blobs.map((b) => b.contentId).sort(),
      before.parked.blobs.map((b) => b.contentId).sort(),
      'the same parked blobs, each once',
    );
    const ids = await p.tableIds();
    assert.deepEqual(duplicatesIn(ids), []);
  });
});
