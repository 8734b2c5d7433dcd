/**
 * A user-reported alert whose AIR investigation reaches a processed status windows after the alert: the alert is held
 * (pending, not in the table) until the window that sees the verdict, then released with it. The clock stands still
 * between the two phases, so the intermediate state can be read exactly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PROCESSED_STATUSES } from '../../../local/o365-sim';
import {
  currentHour,
  HOUR,
  settle,
  SMALL_TENANT,
  startE2eStack,
  type E2eStack,
  type PipelineStatus,
  type TableRow,
} from '../../harness/stack-harness';

const processed = new Set<string>(PROCESSED_STATUSES);
const ms = (value: string): number => Date.parse(value);

describe('an alert released when its investigation finishes windows later', () => {
  let stack: E2eStack;
  let t0: number;
  let firstRows: TableRow[];
  let firstStatus: PipelineStatus;
  let finalRows: TableRow[];
  let origin: number;
  let end: number;
  before(async () => {
    t0 = currentHour();
    origin = t0 - 10 * HOUR;
    stack = await startE2eStack({
      t0,
      startFrom: origin,
      sim: {
        seed: 3,
        tenant: {
          ...SMALL_TENANT,
          contentStartMs: origin,
          userReportedShare: 0.4,
          airVerdictDelayMinutes: { min: 100, max: 300 },
        },
      },
    });
    await settle(stack);
    firstRows = await stack.rows();
    firstStatus = await stack.status();
    stack.clock.advanceTo(t0 + 8 * HOUR);
    await settle(stack);
    finalRows = await stack.rows();
    end = ms((await stack.status()).checkpoint!.nextStart);
  });
  after(async () => {
    await stack?.dispose();
  });

  it('holds alerts while their investigation is still running', () => {
    assert.ok(firstStatus.loop!.pendingAlerts > 0, JSON.stringify(firstStatus.loop));
    assert.ok(firstRows.length > 0);
  });

  it('releases them once the verdict is seen, with the verdict', () => {
    const firstIds = new Set(firstRows.map((r) => r.Id));
    const phaseOneEnd = ms(firstStatus.checkpoint!.nextStart);
    const truth = new Map(stack.sim!.groundTruth(origin, end).alerts.map((a) => [a.alertRecordId, a]));
    const firstVerdictWindow = new Map<string, number>();
    for (const row of finalRows) {
      if (row.RecordType !== 64 || !processed.has(row.Status)) continue;
      const at = ms(row.WindowStart);
      const known = firstVerdictWindow.get(row.InvestigationId);
      if (known === undefined || at < known) firstVerdictWindow.set(row.InvestigationId, at);
    }
    const verdictWindowOf = (alert: TableRow): number | undefined =>
      firstVerdictWindow.get(alert.AirInvestigationId);
    // Alerts whose own window ran in phase one while their investigation's verdict came in phase two, 2+ windows on.
    const late = finalRows.filter((r) => {
      const verdictAt = verdictWindowOf(r);
      const alertWindow = Math.floor(ms(r.ContentCreated) / HOUR) * HOUR;
      return (
        r.RecordType === 40 &&
        verdictAt !== undefined &&
        alertWindow + HOUR <= phaseOneEnd &&
        verdictAt >= phaseOneEnd &&
        verdictAt - alertWindow >= 2 * HOUR
      );
    });
    assert.ok(late.length > 0, 'some alert was seen in phase one and released two or more windows later');
    for (const alert of late) {
      assert.equal(firstIds.has(alert.Id), false, `${alert.Id} was not in the table before its verdict`);
      const expected = truth.get(alert.Id);
      assert.ok(expected, `${alert.Id} is in the ground truth`);
      assert.equal(alert.AirVerdict, expected.verdict);
      assert.equal(alert.AirInvestigationId, expected.investigationId);
      // Released rows keep the alert blob's provenance (ContentId, WindowStart of the alert's own window).
      assert.ok(ms(alert.WindowStart) < phaseOneEnd, `${alert.Id} keeps its own window as provenance`);
    }
  });

  it('ends with exactly the ground-truth selection', () => {
    const ids = finalRows.map((r) => r.Id).sort();
    assert.deepEqual(ids, stack.sim!.groundTruth(origin, end).ids);
  });
});
