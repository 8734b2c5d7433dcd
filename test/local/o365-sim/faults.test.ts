import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { DEFAULT_FAULTS } from '../../../local/o365-sim';
import { HOUR, type SimHarness, startHarness, T0, windowQuery } from '../../harness/sim-client';

type Rec = Record<string, unknown>;
const errorCode = (r: { json<T>(): T }): string => r.json<{ error: { code: string } }>().error.code;

describe('o365-sim faults', () => {
  let h: SimHarness;
  let blobUri: string;
  before(async () => {
    h = await startHarness({ seed: 5 });
    await h.start();
    const { entries } = await h.listAll(windowQuery(T0 - 2 * HOUR, T0));
    blobUri = (entries[0] as { contentUri: string }).contentUri;
  });
  afterEach(() => h.sim.setFaults(DEFAULT_FAULTS));
  after(() => h.close());

  it('adds latency in real time', async () => {
    h.sim.setFaults({ latencyMs: { min: 80, max: 100 } });
    const before = h.sim.counters().faultsInjected.latency;
    const started = performance.now();
    assert.equal((await h.get('subscriptions/list')).status, 200);
    assert.ok(performance.now() - started >= 75);
    assert.equal(h.sim.counters().faultsInjected.latency, before + 1);
  });

  it('throttles with 429 AF429, with or without Retry-After, and as 403 on blob fetches', async () => {
    h.sim.setFaults({ throttleRate: 1, throttleRetryAfterShare: 1, retryAfterSeconds: 2 });
    const withHeader = await h.get(`subscriptions/content?${windowQuery(T0 - HOUR, T0)}`);
    assert.equal(withHeader.status, 429);
    assert.equal(errorCode(withHeader), 'AF429');
    assert.equal(withHeader.headers.get('retry-after'), '2');
    h.sim.setFaults({ throttleRetryAfterShare: 0 });
    const without = await h.get('subscriptions/list');
    assert.equal(without.status, 429);
    assert.equal(without.headers.get('retry-after'), null);
    const blob = await h.get(blobUri);
    assert.equal(blob.status, 403);
    assert.equal(errorCode(blob), 'AF429');
    assert.match(blob.text, /Method=GetBlob/);
    h.sim.setFaults({ blobThrottleAs403: false });
    assert.equal((await h.get(blobUri)).status, 429);
    assert.ok(h.sim.counters().throttled >= 4);
  });

  it('answers server errors (AF50000/AF50005/AF50006 as 500, or 503)', async () => {
    h.sim.setFaults({ serverErrorRate: 1 });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await h.get('subscriptions/list');
      assert.ok(r.status === 500 || r.status === 503, String(r.status));
      seen.add(r.status === 500 ? errorCode(r) : '503');
    }
    assert.ok(seen.size >= 3, [...seen].join());
    for (const code of seen) assert.match(code, /^(AF5000[056]|503)$/);
  });

  it('hangs and then drops the connection on a timeout', async () => {
    h.sim.setFaults({ timeoutRate: 1, timeoutMs: 150 });
    const started = performance.now();
    await assert.rejects(h.get('subscriptions/list'));
    assert.ok(performance.now() - started >= 140);
    assert.ok(h.sim.counters().faultsInjected.timeout >= 1);
  });

  it('puts the same record in two blobs', async () => {
    h.sim.setFaults({ duplicateRecordRate: 0.3 });
    const { entries } = await h.listAll(windowQuery(T0 - 3 * HOUR, T0));
    const blobsById = new Map<string, number>();
    for (const e of entries) {
      for (const r of (await h.get(e.contentUri)).json<Rec[]>())
        blobsById.set(String(r.Id), (blobsById.get(String(r.Id)) ?? 0) + 1);
    }
    const twice = [...blobsById.values()].filter((n) => n === 2).length;
    assert.ok(twice > 5, `records in two blobs: ${twice}`);
    assert.ok([...blobsById.values()].every((n) => n <= 2));
  });

  it('lists the same blob in two windows', async () => {
    h.sim.setFaults({ duplicateListingRate: 0.5, relistAfterMinutes: 90 });
    const windows = [];
    for (let start = T0 - 8 * HOUR; start < T0; start += HOUR)
      windows.push((await h.listAll(windowQuery(start, start + HOUR))).entries.map((e) => e.contentId));
    const all = windows.flat();
    const repeated = all.filter((id, i) => all.indexOf(id) !== i);
    assert.ok(repeated.length > 0);
    for (const w of windows) assert.equal(new Set(w).size, w.length, 'never twice in one window');
  });

  it('makes blobs listable only some time after their contentCreated (late listing)', async () => {
    h.sim.setFaults({ lateListingRate: 1, lateListingMinutes: 60 });
    const query = windowQuery(T0 - 3 * HOUR, T0);
    const early = (await h.listAll(query)).entries;
    assert.ok(early.length > 0);
    assert.ok(early.every((e) => Date.parse(e.contentCreated) <= T0 - HOUR));
    h.clock.advance(HOUR);
    const late = (await h.listAll(query)).entries;
    assert.ok(late.length > early.length);
    assert.ok(late.some((e) => Date.parse(e.contentCreated) > T0 - HOUR));
  });

  it('serves malformed JSON blobs', async () => {
    h.sim.setFaults({ malformedBlobRate: 1 });
    const { entries } = await h.listAll(windowQuery(T0 - 2 * HOUR, T0 - HOUR));
    const r = await h.get((entries[0] as { contentUri: string }).contentUri);
    assert.equal(r.status, 200);
    assert.throws(() => JSON.parse(r.text) as unknown);
    assert.ok(h.sim.counters().faultsInjected.malformedServed >= 1);
  });

  it('enforces a request budget per real minute with AF429 and counts it', async () => {
    const budgeted = await startHarness({ faults: { requestBudgetPerMinute: 5 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await budgeted.get('subscriptions/list')).status);
      const c = budgeted.sim.counters();
      const accepted = c.budget.perMinute.reduce((n, m) => n + m.requests, 0);
      const rejected = c.budget.perMinute.reduce((n, m) => n + m.rejected, 0);
      assert.equal(accepted + rejected, 12);
      assert.ok(rejected >= 2);
      assert.ok(c.budget.perMinute.every((m) => m.requests <= 5));
      assert.equal(c.budget.peakPerMinute, 5);
      assert.equal(c.budget.limitPerMinute, 5);
      assert.equal(statuses.filter((s) => s === 429).length, rejected);
      assert.equal(c.faultsInjected.overBudget, rejected);
    } finally {
      await budgeted.close();
    }
  });

  it('forces scripted responses for a number of times, token requests included', async () => {
    h.sim.script([
      { match: 'list', status: 503, times: 2 },
      { match: 'content', status: 400, code: 'AF20052', message: 'Content ID in the URL is invalid.' },
      { match: 'token', status: 400, code: 'invalid_request', message: 'scripted token failure' },
      { match: 'start', status: 400, code: 'AF20023', message: 'The subscription was disabled by admin.' },
    ]);
    const list = `subscriptions/content?${windowQuery(T0 - HOUR, T0)}`;
    assert.equal((await h.get(list)).status, 503);
    assert.equal((await h.get(list)).status, 503);
    assert.equal((await h.get(list)).status, 200);
    assert.equal(errorCode(await h.get(blobUri)), 'AF20052');
    assert.equal((await h.get(blobUri)).status, 200);
    const token = await fetch(`${h.sim.loginUrl}/${h.sim.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: '',
    });
    assert.equal(token.status, 400);
    assert.equal(((await token.json()) as { error: string }).error, 'invalid_request');
    assert.equal(errorCode(await h.start()), 'AF20023');
    assert.ok(h.sim.counters().faultsInjected.scripted >= 5);
  });

  it('takes faults and counters over the admin routes', async () => {
    const set = await fetch(`${h.sim.apiUrl}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ throttleRate: 1, throttleRetryAfterShare: 0 }),
    });
    assert.equal(set.status, 200);
    assert.equal(((await set.json()) as { throttleRate: number }).throttleRate, 1);
    assert.equal((await h.get('subscriptions/list')).status, 429);
    const bad = await fetch(`${h.sim.apiUrl}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ throttleRate: 3 }),
    });
    assert.equal(bad.status, 400);
    const counters = (await (await fetch(`${h.sim.apiUrl}/_sim/counters`)).json()) as {
      requests: { subscriptions: number };
      missingPublisherIdentifier: number;
    };
    assert.ok(counters.requests.subscriptions > 0);
    assert.ok(counters.missingPublisherIdentifier > 0);
    assert.throws(() => h.sim.setFaults({ serverErrorRate: -1 }), /serverErrorRate/);
    const scripted = await fetch(`${h.sim.apiUrl}/_sim/script`, {
      method: 'POST',
      body: JSON.stringify([{ match: 'subscriptions', status: 500, code: 'AF50005' }]),
    });
    assert.equal(scripted.status, 200);
    h.sim.setFaults({ throttleRate: 0 });
    assert.equal(errorCode(await h.get('subscriptions/list')), 'AF50005');
  });

  it('closes promptly while requests hang', async () => {
    const hanging = await startHarness({ faults: { timeoutRate: 1, timeoutMs: 60_000 } });
    const pending = hanging.get('subscriptions/list').then(
      () => 'answered',
      () => 'dropped',
    );
    for (let i = 0; i < 100 && hanging.sim.counters().faultsInjected.timeout === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(hanging.sim.counters().faultsInjected.timeout, 1, 'the request is hanging');
    const started = performance.now();
    await hanging.close();
    assert.ok(performance.now() - started < 2_000);
    assert.equal(await pending, 'dropped');
  });
});
