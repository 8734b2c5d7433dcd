/** Soak form (`npm run soak`): two simulated days of a busier tenant with every fault on at doubled rates. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertKeptUp, groundTruthOf, runAllFaults, type AllFaultsOutcome } from '../harness/all-faults';
import { duplicates } from '../harness/resilience-stack';

describe('soak: every fault at once, two simulated days, doubled rates', { timeout: 20 * 60_000 }, () => {
  let out: AllFaultsOutcome;
  before(async () => {
    out = await runAllFaults({
      seed: 43,
      hours: 48,
      scale: 2,
      budgetPerMinute: 300,
      recordsPerHour: 200,
      timeoutMs: 18 * 60_000,
    });
  });
  after(() => out?.stack.dispose());

  it('keeps up: the checkpoint reached the end of the simulated time', () => {
    assertKeptUp(out);
  });

  it('ingests exactly the ground truth, each record once', () => {
    const truth = groundTruthOf(out);
    assert.deepEqual(duplicates(out.ids), []);
    assert.deepEqual(out.ids, truth.ids);
    const totals = out.status.checkpoint!.totals;
    assert.equal(totals.malformedBlobs, truth.malformedContentIds.length);
    assert.equal(totals.expiredContent + totals.missingContent, 0);
    const f = out.stack.sim!.counters().faultsInjected;
    assert.ok(f.overBudget > 0 && f.timeout > 0 && f.throttle > 0 && f.serverError > 0, JSON.stringify(f));
  });
});
