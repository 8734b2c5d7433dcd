import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ContentEntry,
  HOUR,
  type SimHarness,
  startHarness,
  T0,
  windowQuery,
} from '../../harness/sim-client';

describe('o365-sim content listing', () => {
  let small: SimHarness;
  let big: SimHarness;
  before(async () => {
    small = await startHarness({ pageSize: 3, tenant: { recordsPerHour: 200, recordsPerBlob: 10 } });
    big = await startHarness({ pageSize: 10_000, tenant: { recordsPerHour: 200, recordsPerBlob: 10 } });
    await small.start();
    await big.start();
  });
  after(async () => {
    await small.close();
    await big.close();
  });

  it('paginates across many pages with NextPageUri and loses nothing', async () => {
    const query = windowQuery(T0 - 12 * HOUR, T0);
    const paged = await small.listAll(query);
    const whole = await big.listAll(query);
    assert.equal(whole.pages, 1);
    assert.ok(paged.pages >= 50, `expected many pages, got ${paged.pages}`);
    assert.equal(paged.pages, Math.ceil(whole.entries.length / 3));
    assert.deepEqual(
      paged.entries.map((e) => e.contentId),
      whole.entries.map((e) => e.contentId),
    );
    assert.equal(new Set(paged.entries.map((e) => e.contentId)).size, paged.entries.length);
  });

  it('lists entries in contentCreated order inside the window, with the documented shape', async () => {
    const from = T0 - 6 * HOUR;
    const { entries } = await big.listAll(windowQuery(from, T0));
    assert.ok(entries.length > 0);
    let previous = 0;
    for (const e of entries) {
      const created = Date.parse(e.contentCreated);
      assert.ok(created >= from && created < T0, `${e.contentCreated} outside the window`);
      assert.ok(created >= previous);
      previous = created;
      assert.equal(Date.parse(e.contentExpiration) - created, 7 * 24 * HOUR);
      assert.equal(e.contentType, 'Audit.General');
      assert.equal(e.contentUri, `${big.base}/audit/${e.contentId}`);
      assert.match(e.contentCreated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('keeps the window start/end in NextPageUri and refuses a forged nextPage with AF20031', async () => {
    const first = await small.get(`subscriptions/content?${windowQuery(T0 - 2 * HOUR, T0)}`);
    const next = first.headers.get('NextPageUri');
    assert.ok(next);
    const url = new URL(next);
    assert.equal(url.searchParams.get('startTime'), new Date(T0 - 2 * HOUR).toISOString().slice(0, 16));
    url.searchParams.set('nextPage', `${url.searchParams.get('nextPage') ?? ''}x`);
    const forged = await small.get(url.toString());
    assert.equal(forged.status, 400);
    assert.equal(forged.json<{ error: { code: string } }>().error.code, 'AF20031');
  });

  it('lists only content already created by the clock, and more as it advances', async () => {
    const query = windowQuery(T0 - HOUR, T0 + 2 * HOUR);
    const before = await big.listAll(query);
    assert.ok(before.entries.every((e: ContentEntry) => Date.parse(e.contentCreated) <= T0));
    big.clock.advance(2 * HOUR);
    const afterAdvance = await big.listAll(query);
    assert.ok(afterAdvance.entries.length > before.entries.length);
    assert.ok(afterAdvance.entries.some((e) => Date.parse(e.contentCreated) > T0));
  });

  it('returns empty listings for content types without generated content', async () => {
    await big.start('Audit.Exchange');
    const { entries } = await big.listAll(windowQuery(T0 - 4 * HOUR, T0));
    assert.ok(entries.length > 0);
    const exchange = await big.listAll(windowQuery(T0 - 4 * HOUR, T0, 'Audit.Exchange'));
    assert.deepEqual(exchange.entries, []);
  });
});
