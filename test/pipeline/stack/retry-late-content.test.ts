/**
 * A window that fails and is retried after more of its content became listable (late listing): the retry must
 * ingest the late blobs' rows too, because the ledger then records those blobs as processed and no later window
 * fetches them again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  currentHour,
  duplicatesIn,
  HOUR,
  MINUTE,
  startPipelineHost,
  type PipelineHost,
} from '../../harness/pipeline-host';

const LATE_MINUTES = 20;

describe('a failed window retried after late content appeared', () => {
  let p: PipelineHost;
  let origin: number;

  before(async () => {
    const t0 = currentHour();
    origin = t0 - 2 * HOUR;
    p = await startPipelineHost({
      t0,
      sim: {
        seed: 6,
        tenant: { recordsPerHour: 240, recordsPerBlob: 20, userReportedShare: 0.4, contentStartMs: origin },
        faults: { lateListingRate: 0.5, lateListingMinutes: LATE_MINUTES },
      },
    });
    await p.startLoop(origin);
    await p.driveUntil(t0);
    // Ingestion refused while the window's blobs created in its last minutes become listable one by one.
    p.stack.kusto!.setDefaultRoles([]);
    await p.driveUntil(t0 + 40 * MINUTE);
    p.stack.kusto!.setDefaultRoles(['admin']);
    await p.driveUntil(t0 + 5 * HOUR);
  });
  after(async () => {
    await p?.dispose();
  });

  it('loses no selected record of the retried window', async () => {
    const status = await p.status();
    const end = Date.parse(status.checkpoint!.nextStart);
    assert.ok((status.loop?.recentFailures.length ?? 0) > 0, 'the window did fail first');
    const ids = await p.tableIds();
    assert.deepEqual(duplicatesIn(ids), []);
    const complete = p.stack.sim!.groundTruth(origin, end - HOUR - LATE_MINUTES * MINUTE);
    const have = new Set(ids);
    assert.deepEqual(
      complete.ids.filter((id) => !have.has(id)),
      [],
      'no selected record lost',
    );
    const everything = new Set(p.stack.sim!.groundTruth(origin, end).ids);
    assert.deepEqual(
      ids.filter((id) => !everything.has(id)),
      [],
      'nothing outside the ground truth',
    );
  });
});
