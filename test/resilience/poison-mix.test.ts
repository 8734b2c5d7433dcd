/**
 * The poison mix: every simulator fault at once plus a few percent of blobs that fail in each way a blob can —
 * a bare 404 every time, a content URI on a foreign host, a body over the size cap, an impossible contentCreated in
 * the listing, and blobs that fail for three hours and then serve. No window fails and the loop keeps up; the table
 * holds exactly the ground truth minus the blobs that never served, each record once; those blobs, and only those,
 * are parked (named in status, each with its error), and none is given up before its expiration.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertKeptUp, groundTruthOf, runAllFaults, type AllFaultsOutcome } from '../harness/all-faults';
import { duplicates, HOUR } from '../harness/resilience-stack';

interface ParkedView {
  count: number;
  blobs: { contentId: string; lastError: string }[];
}

describe('poison mix with every fault, twelve simulated hours', { timeout: 180_000 }, () => {
  let out: AllFaultsOutcome;
  let parked: ParkedView;
  before(async () => {
    out = await runAllFaults({
      seed: 45,
      hours: 12,
      recordsPerHour: 160,
      budgetPerMinute: 150,
      timeoutMs: 150_000,
      extraFaults: {
        notFoundBlobRate: 0.02,
        foreignHostBlobRate: 0.02,
        oversizeBlobRate: 0.02,
        oversizeBlobBytes: 3 * 1024 * 1024,
        badContentCreatedRate: 0.02,
        recoveringBlobRate: 0.03,
        recoverAfterMinutes: 180,
      },
      settings: { O365_MAX_CONTENT_MB: '1' },
    });
    parked = (out.status as unknown as { parked: ParkedView }).parked;
  });
  after(() => out?.stack.dispose());

  it('keeps up: no window stalls on a bad blob', () => {
    assertKeptUp(out);
  });

  it('ingests exactly the ground truth minus the blobs that never served, each record once', () => {
    const truth = groundTruthOf(out);
    assert.ok(truth.poisonContentIds.length >= 5, `poison blobs in range: ${truth.poisonContentIds.length}`);
    assert.deepEqual(duplicates(out.ids), []);
    const permanent = truth.poison.filter((p) => p.kind !== 'recovering').map((p) => p.contentId);
    // A recovering blob still parked at the end recovers after the last retry: not served yet.
    const parkedIds = new Set(parked.blobs.map((b) => b.contentId));
    const notYetServed = truth.poison
      .filter((p) => p.kind === 'recovering' && parkedIds.has(p.contentId))
      .map((p) => p.contentId);
    const expected = groundTruthOf(out, [...permanent, ...notYetServed]);
    assert.deepEqual(out.ids, expected.ids);
  });

  it('parks exactly the blobs that did not serve, each with its error, and loses none before its expiration', () => {
    const truth = groundTruthOf(out);
    const parkedIds = parked.blobs.map((b) => b.contentId).sort();
    for (const id of parkedIds) assert.ok(truth.poisonContentIds.includes(id), `${id} is a poison blob`);
    for (const p of truth.poison) {
      if (p.kind !== 'recovering')
        assert.ok(parkedIds.includes(p.contentId), `${p.kind} ${p.contentId} is parked`);
      // Recovered two windows before the end: retried first by a later window, ingested, no longer parked.
      else if (Date.parse(p.recoversAt!) < out.end - 2 * HOUR) {
        assert.ok(
          !parkedIds.includes(p.contentId),
          `recovering ${p.contentId} was fetched after it recovered`,
        );
      }
    }
    assert.ok(parked.blobs.every((b) => b.lastError.length > 0));
    assert.ok(
      truth.poison.some((p) => p.kind === 'recovering' && Date.parse(p.recoversAt!) < out.end - 2 * HOUR),
      'some recovering blob recovers two windows before the end',
    );
    const totals = out.status.checkpoint!.totals as unknown as Record<string, number>;
    assert.ok(totals.parkedBlobs >= parkedIds.length && totals.recoveredBlobs > 0, JSON.stringify(totals));
    assert.equal(
      totals.dataLossBlobs ?? 0,
      0,
      'nothing given up: every parked blob is still within its expiration',
    );
  });
});
