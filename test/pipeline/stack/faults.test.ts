/**
 * A simulated day with every fault the simulator can inject that the pipeline must absorb: throttling (429 and 403
 * AF429 on blobs), server errors, a record repeated in the next blob, a blob listed twice, blobs listed late and
 * malformed blobs. The table must still hold exactly the correct selection, and status must count the faults.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  currentHour,
  duplicates,
  HOUR,
  settle,
  SMALL_TENANT,
  startE2eStack,
  type E2eStack,
  type PipelineStatus,
  type TableRow,
} from '../../harness/stack-harness';

const LATE_MINUTES = 30;

describe('whole stack with faults on', () => {
  let stack: E2eStack;
  let origin: number;
  let end: number;
  let rows: TableRow[];
  let status: PipelineStatus;
  before(async () => {
    const t0 = currentHour();
    origin = t0 - 4 * HOUR;
    stack = await startE2eStack({
      t0,
      untilMs: t0 + 20 * HOUR,
      startFrom: origin,
      sim: {
        seed: 11,
        // Content starts where the pipeline starts: a blob re-listed later with a newer contentCreated would
        // otherwise bring records from before the range into it (correctly: the API listed it in the window).
        tenant: { ...SMALL_TENANT, contentStartMs: origin },
        faults: {
          throttleRate: 0.06,
          throttleRetryAfterShare: 1,
          retryAfterSeconds: 0,
          serverErrorRate: 0.04,
          duplicateRecordRate: 0.1,
          duplicateListingRate: 0.15,
          relistAfterMinutes: 90,
          lateListingRate: 0.15,
          lateListingMinutes: LATE_MINUTES,
          malformedBlobRate: 0.05,
        },
      },
    });
    await settle(stack, 150_000);
    status = await stack.status();
    end = Date.parse(status.checkpoint!.nextStart);
    rows = await stack.rows();
  });
  after(async () => {
    await stack?.dispose();
  });

  it('ingests every selected record once and nothing else', () => {
    const ids = rows.map((r) => r.Id);
    assert.deepEqual(duplicates(ids), [], 'no Id twice');
    const everything = stack.sim!.groundTruth(origin, end);
    const extra = ids.filter((id) => !everything.ids.includes(id));
    assert.deepEqual(extra, [], 'nothing outside the ground-truth selection');
    // Blobs near the end may not be listable yet (late listing): the range that must be complete stops before them.
    const complete = stack.sim!.groundTruth(origin, end - HOUR - LATE_MINUTES * 60_000);
    assert.ok(complete.ids.length > 20, `the run selected something (${complete.ids.length})`);
    assert.ok(complete.malformedContentIds.length > 0, 'the simulator served malformed blobs');
    const have = new Set(ids);
    assert.deepEqual(
      complete.ids.filter((id) => !have.has(id)),
      [],
      'no selected record lost',
    );
    const verdicts = new Map(everything.alerts.map((a) => [a.alertRecordId, a]));
    for (const row of rows.filter((r) => r.RecordType === 40)) {
      assert.equal(row.AirVerdict, verdicts.get(row.Id)?.verdict, `verdict of alert ${row.Id}`);
      assert.equal(row.AirInvestigationId, verdicts.get(row.Id)?.investigationId);
    }
  });

  it('counts the faults in /api/pipeline/status', () => {
    assert.equal(status.runtimeStatus, 'Running');
    assert.ok(status.faults, 'status has a faults section');
    assert.ok(status.faults.throttled > 0, `throttled counted: ${JSON.stringify(status.faults)}`);
    assert.ok(status.faults.retries > 0, 'retries counted');
    const totals = status.loop!.totals;
    assert.ok(totals.malformedBlobs! > 0, `malformed blobs counted: ${JSON.stringify(totals)}`);
    assert.ok(totals.duplicateRecords! > 0, 'duplicate records counted');
    assert.ok(totals.alreadyProcessed! > 0, 'duplicate listings skipped and counted');
    assert.ok(totals.lateContent! > 0, 'late-listed content found and counted');
    const counters = stack.sim!.counters();
    assert.ok(counters.faultsInjected.throttle > 0 && counters.faultsInjected.serverError > 0);
    // Every throttled answer the simulator gave (429, and 403 AF429 on blobs) is in the app's count.
    assert.equal(status.faults.throttled, counters.throttled);
    const serverErrors = Object.entries(status.faults.byErrorCode)
      .filter(([code]) => /^AF5/.test(code))
      .reduce((sum, [, n]) => sum + n, 0);
    assert.equal(
      serverErrors,
      (counters.byCode.AF50000 ?? 0) + (counters.byCode.AF50005 ?? 0) + (counters.byCode.AF50006 ?? 0),
    );
  });
});
