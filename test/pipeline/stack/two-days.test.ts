import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HOUR, runTwoSimulatedDays, type E2eStack, type PipelineStatus } from '../../harness/stack-harness';

describe('two simulated days on the whole stack', () => {
  let stack: E2eStack;
  let until: number;
  before(async () => {
    ({ stack, until } = await runTwoSimulatedDays({
      sim: { seed: 7, tenant: { recordsPerHour: 80, recordsPerBlob: 40 } },
      // Two content types: their windows run in parallel and share the pending-alert store (the simulator serves
      // alerts and investigations in Audit.General only, so the ground truth is the same).
      settings: { O365_CONTENT_TYPES: 'Audit.General,Audit.Exchange' },
    }));
  });
  after(async () => {
    await stack?.dispose();
  });

  it('ends with exactly the ground-truth selection in the table', async () => {
    const status = (await stack.status()) as PipelineStatus;
    const checkpoint = status.checkpoint;
    assert.ok(checkpoint, 'a checkpoint was saved');
    assert.equal(
      status.runtimeStatus === 'Running' ||
        status.runtimeStatus === 'ContinuedAsNew' ||
        status.runtimeStatus === 'Pending',
      true,
      JSON.stringify(status),
    );
    const end = Date.parse(checkpoint.nextStart);
    assert.ok(end >= until - 2 * HOUR, `checkpoint ${checkpoint.nextStart} reached the end of the run`);
    const truth = stack.sim!.groundTruth(Date.parse(checkpoint.origin), end);
    const rows = await stack.rows();
    const ids = rows.map((r) => r.Id).sort();
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    assert.ok(truth.ids.length > 20, `the run selected something (${truth.ids.length})`);
    assert.deepEqual(ids, truth.ids);
    const byId = new Map(rows.map((r) => [r.Id, r]));
    for (const alert of truth.alerts) {
      const row = byId.get(alert.alertRecordId);
      assert.equal(row?.AirVerdict, alert.verdict, `verdict of ${alert.alertRecordId}`);
      assert.equal(row?.AirInvestigationId, alert.investigationId);
    }
    const recent = status.recentWindows.filter((w) => w.contentType === 'Audit.General');
    assert.ok(recent.length >= 6, `status shows the recent ledger (${recent.length})`);
    assert.ok(recent.every((w) => w.status === 'done' && w.runs === 1));
    assert.equal(recent[recent.length - 1].windowStart, new Date(end - HOUR).toISOString());
    const exchange = await stack.call(
      'GET',
      `/api/pipeline/windows?from=${checkpoint.origin}&to=${checkpoint.nextStart}&contentType=Audit.Exchange`,
    );
    assert.equal(exchange.status, 200);
    assert.equal(
      (exchange.body as { windows: unknown[] }).windows.length,
      checkpoint.windowsDone,
      'each content type has its ledger',
    );
    assert.equal(checkpoint.windowsDone, (end - Date.parse(checkpoint.origin)) / HOUR);
  });
});
