/**
 * Quick form: twelve simulated hours with every simulator fault on at once, timeouts included; the service's own
 * request budget is left to the soak, because once it binds the client rightly waits for the next real minute. The table must hold exactly the ground truth of the processed range, each record once, and the
 * status must count what happened. The soak (all-faults.soak.ts) runs two days at doubled fault rates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertKeptUp, groundTruthOf, runAllFaults, type AllFaultsOutcome } from '../harness/all-faults';
import { duplicates } from '../harness/resilience-stack';

describe('every fault at once, twelve simulated hours', { timeout: 120_000 }, () => {
  let out: AllFaultsOutcome;
  before(async () => {
    out = await runAllFaults({
      seed: 41,
      hours: 12,
      recordsPerHour: 160,
      budgetPerMinute: 150,
      timeoutMs: 100_000,
      // Twelve hours are only ~140 API requests: at the default 3 % a seeded run may drop no connection at all.
      extraFaults: { timeoutRate: 0.08 },
    });
  });
  after(() => out?.stack.dispose());

  it('keeps up: the checkpoint reached the end of the simulated time', () => {
    assertKeptUp(out);
  });

  it('ingests exactly the ground truth, each record once', () => {
    const truth = groundTruthOf(out);
    assert.deepEqual(duplicates(out.ids), []);
    assert.ok(truth.ids.length > 20, `the range selects something (${truth.ids.length})`);
    assert.deepEqual(out.ids, truth.ids);
  });

  it('counts the faults it absorbed', () => {
    const counters = out.stack.sim!.counters();
    const f = counters.faultsInjected;
    assert.ok(
      f.throttle > 0 && f.serverError > 0 && f.timeout > 0 && f.malformedServed > 0,
      JSON.stringify(f),
    );
    const faults = out.status.faults!;
    assert.ok(faults.retries > 0, 'retries counted');
    assert.equal(faults.throttled, counters.throttled, 'every throttled answer is in the app count');
    // A connection the service drops without an answer is a NetworkError (a client-side timeout would be Timeout).
    const dropped = (faults.byErrorCode.NetworkError ?? 0) + (faults.byErrorCode.Timeout ?? 0);
    assert.ok(dropped >= f.timeout, `dropped connections counted: ${JSON.stringify(faults.byErrorCode)}`);
    const totals = out.status.checkpoint!.totals;
    const truth = groundTruthOf(out);
    assert.equal(
      totals.malformedBlobs,
      truth.malformedContentIds.length,
      'each malformed blob quarantined once',
    );
    assert.ok(
      totals.duplicateRecords > 0 && totals.alreadyProcessed > 0 && totals.lateContent > 0,
      JSON.stringify(totals),
    );
    assert.equal(totals.expiredContent + totals.missingContent, 0, 'no content lost');
  });
});
