import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseApiTime } from '../../../local/o365-sim/windows';
import { DAY, HOUR, type SimHarness, startHarness, T0, windowQuery } from '../../harness/sim-client';

const code = (r: { json<T>(): T }): string => r.json<{ error: { code: string } }>().error.code;

describe('o365-sim listing window rules', () => {
  let h: SimHarness;
  before(async () => {
    h = await startHarness();
    assert.equal((await h.start()).status, 200);
  });
  after(() => h.close());

  it('refuses a 25-hour window with AF20030 and accepts exactly 24 hours', async () => {
    const tooLong = await h.get(`subscriptions/content?${windowQuery(T0 - 25 * HOUR, T0)}`);
    assert.equal(tooLong.status, 400);
    assert.equal(code(tooLong), 'AF20030');
    const day = await h.get(`subscriptions/content?${windowQuery(T0 - 24 * HOUR, T0)}`);
    assert.equal(day.status, 200);
  });

  it('refuses a start 8 days back with AF20055, and moves that edge with the clock', async () => {
    const old = T0 - 8 * DAY;
    const r = await h.get(`subscriptions/content?${windowQuery(old, old + HOUR)}`);
    assert.equal(r.status, 400);
    assert.equal(code(r), 'AF20055');
    const edge = T0 - 7 * DAY + HOUR;
    assert.equal((await h.get(`subscriptions/content?${windowQuery(edge, edge + HOUR)}`)).status, 200);
    h.clock.advance(2 * HOUR);
    const later = await h.get(`subscriptions/content?${windowQuery(edge, edge + HOUR)}`);
    assert.equal(code(later), 'AF20055');
    assert.equal(
      Date.parse(later.headers.get('date') ?? ''),
      T0 + 2 * HOUR,
      'the Date header follows the injected clock',
    );
  });

  it('needs both bounds, in order, in a supported format', async () => {
    const now = h.clock.now();
    const onlyStart = await h.get(
      `subscriptions/content?contentType=Audit.General&startTime=2026-06-10T00:00`,
    );
    assert.equal(code(onlyStart), 'AF20030');
    const reversed = await h.get(`subscriptions/content?${windowQuery(now - HOUR, now - 2 * HOUR)}`);
    assert.equal(code(reversed), 'AF20030');
    const garbage = await h.get(
      'subscriptions/content?contentType=Audit.General&startTime=yesterday&endTime=today',
    );
    assert.equal(code(garbage), 'AF20002');
    const omitted = await h.get('subscriptions/content?contentType=Audit.General');
    assert.equal(omitted.status, 200, 'both omitted means the last 24 hours');
    const lower = await h.get(
      `subscriptions/content?contenttype=Audit.General&starttime=2026-06-10T08:00:00Z&endtime=2026-06-10T09:00:00Z`,
    );
    assert.equal(lower.status, 200, 'lower-case parameter names as some NextPageUri links carry them');
  });

  it('parses the documented time forms and rejects impossible dates', () => {
    assert.equal(parseApiTime('2026-06-10'), Date.parse('2026-06-10T00:00:00Z'));
    assert.equal(parseApiTime('2026-06-10T08:30'), Date.parse('2026-06-10T08:30:00Z'));
    assert.equal(parseApiTime('2026-06-10T08:30:15'), Date.parse('2026-06-10T08:30:15Z'));
    assert.equal(parseApiTime('2026-06-10T08:30:15.250Z'), Date.parse('2026-06-10T08:30:15.250Z'));
    assert.equal(parseApiTime('2026-02-31'), undefined);
    assert.equal(parseApiTime('10/06/2026'), undefined);
  });
});
