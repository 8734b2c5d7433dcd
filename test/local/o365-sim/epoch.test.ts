/**
 * Generated content is drawn per hour counted from the simulator's epoch: with the default epoch (absolute hours) a
 * restarted simulator serves the same history; with its start time as the epoch, a test sees the same content
 * whatever hour of the day it runs at, shifted in time with it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GroundTruth } from '../../../local/o365-sim';
import { HOUR, startHarness, T0 } from '../../harness/sim-client';

const FAULTS = { duplicateListingRate: 0.2, malformedBlobRate: 0.1, notFoundBlobRate: 0.05 };

async function truthOf(
  clockStart: number,
  epochMs: number | undefined,
  fromMs: number,
  toMs: number,
): Promise<GroundTruth> {
  const h = await startHarness(
    { seed: 3, faults: FAULTS, ...(epochMs === undefined ? {} : { epochMs }) },
    clockStart,
  );
  try {
    return h.sim.groundTruth(fromMs, toMs);
  } finally {
    await h.close();
  }
}

/** The parts of a truth that do not name times: record Ids, alert ids, verdicts, poison kinds, counts. */
function timeless(t: GroundTruth) {
  return {
    ids: t.ids,
    alerts: t.alerts.map((a) => [a.alertRecordId, a.alertId, a.investigationId, a.verdict, a.firstVerdict]),
    poison: t.poison.map((p) => p.kind),
    contentBlobs: t.contentBlobs,
    records: t.records,
    malformed: t.malformedContentIds.length,
  };
}

describe('o365-sim epoch', () => {
  it('serves the same content relative to the epoch whatever hour the simulator starts at', async () => {
    const later = T0 + 29 * HOUR;
    const atT0 = await truthOf(T0, T0, T0 - 12 * HOUR, T0);
    const atLater = await truthOf(later, later, later - 12 * HOUR, later);
    assert.ok(atT0.ids.length > 5, `a meaningful selection (${atT0.ids.length})`);
    assert.ok(atT0.poison.length > 0 && atT0.malformedContentIds.length > 0, 'faults were drawn');
    assert.deepEqual(timeless(atLater), timeless(atT0));
  });

  it('with the default epoch, serves the same history for the same hours after a restart at another hour', async () => {
    const first = await truthOf(T0, undefined, T0 - 12 * HOUR, T0);
    const restarted = await truthOf(T0 + 5 * HOUR, undefined, T0 - 12 * HOUR, T0);
    assert.deepEqual(restarted, first);
    const shifted = await truthOf(T0 + 29 * HOUR, undefined, T0 + 17 * HOUR, T0 + 29 * HOUR);
    assert.notDeepEqual(timeless(shifted).ids, timeless(first).ids, 'other hours hold other content');
  });
});
