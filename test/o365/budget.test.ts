import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestBudget } from '../../src/o365';
import { withFakeApi, testClient } from './fake-api';

/** Time that moves only when the budget sleeps, so minutes of pacing run in milliseconds. */
function virtualClock(start = 1_000_000) {
  const clock = {
    t: start,
    now: () => clock.t,
    // Resolve on a later turn, so callers granted before the sleep see the time of their grant.
    sleep: (ms: number) =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          clock.t += ms;
          resolve();
        }),
      ),
  };
  return clock;
}

/** Most grants seen in any `spanMs`-long interval [t, t+span). */
function maxInAnyWindow(times: number[], spanMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= spanMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

async function grantTimes(budget: RequestBudget, clock: { now(): number }, n: number): Promise<number[]> {
  const order: number[] = [];
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      budget.acquire().then(() => {
        order.push(i);
        times.push(clock.now());
      }),
    ),
  );
  assert.deepEqual(
    order,
    Array.from({ length: n }, (_, i) => i),
    'callers are served first come, first served',
  );
  return times;
}

describe('request budget', () => {
  it('never grants more than requestsPerMinute in any 61 s (a minute and a transit allowance), however many callers wait', async () => {
    const clock = virtualClock();
    const budget = new RequestBudget(120, clock);
    const times = await grantTimes(budget, clock, 500);
    assert.equal(maxInAnyWindow(times, 61_000), 120);
    assert.ok(maxInAnyWindow(times, 1_000) <= 4, 'spread evenly, no burst at the start of each minute');
    // 500 grants at 120/min take a little over (500-120)/120 minutes and not much more: the budget is used, not wasted.
    const minutes = (times.at(-1)! - times[0]!) / 60_000;
    assert.ok(minutes >= 380 / 120 && minutes <= 500 / 120 + 0.05, `took ${minutes} min`);
    assert.equal(budget.stats().granted, 500);
    assert.ok(budget.stats().waits >= 490);
  });

  it('lets one second of budget through at once, then paces', async () => {
    const clock = virtualClock();
    const budget = new RequestBudget(600, clock);
    const times = await grantTimes(budget, clock, 30);
    assert.equal(times.filter((t) => t === times[0]).length, 10);
    assert.ok(times[29]! - times[0]! >= 2_000 - 1);
  });

  it('holds every caller while paused after throttling', async () => {
    const clock = virtualClock();
    const budget = new RequestBudget(6000, clock);
    budget.pauseFor(5_000);
    const start = clock.now();
    const times = await grantTimes(budget, clock, 3);
    assert.ok(times.every((t) => t >= start + 5_000));
    assert.equal(budget.stats().pauses, 1);
  });

  it("sizes a window's fetches in flight to two seconds of budget, at least two", () => {
    assert.equal(new RequestBudget(60).fetchesInFlight(), 2);
    assert.equal(new RequestBudget(150).fetchesInFlight(), 5);
    assert.equal(new RequestBudget(2000).fetchesInFlight(), 67);
    assert.equal(new RequestBudget(1).fetchesInFlight(), 2);
  });

  it('rejects a rate below one request per minute', () => {
    assert.throws(() => new RequestBudget(0), RangeError);
  });

  it('paces a fan-out of real calls from two clients of one tenant within the shared budget', async () => {
    await withFakeApi(
      () => ({ body: [] }),
      async (api) => {
        // 600/min = 10 per second, one second (10 requests) of burst.
        const a = testClient(api, { requestsPerMinute: 600 }).client;
        const b = testClient(api, { requestsPerMinute: 600 }).client;
        const started = Date.now();
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            (i % 2 ? a : b).fetchContentText(`${api.feed}/audit/blob-${i}`),
          ),
        );
        const elapsed = Date.now() - started;
        const arrivals = api.requests.map((r) => r.at).sort((x, y) => x - y);
        assert.equal(arrivals.length, 30);
        // In any second: at most the burst plus one second of rate (a little slack for timer granularity).
        assert.ok(maxInAnyWindow(arrivals, 1_000) <= 21, `max per second ${maxInAnyWindow(arrivals, 1_000)}`);
        assert.ok(
          elapsed >= 1_900,
          `30 requests at 10/s after a burst of 10 take about 2 s, took ${elapsed} ms`,
        );
        assert.equal(a.stats().budget.granted, 30, 'one budget, shared');
        assert.ok(a.stats().budgetWaits + b.stats().budgetWaits >= 19);
        assert.equal(a.stats().throttled + b.stats().throttled, 0);
      },
    );
  });
});
