import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HOUR, type SimHarness, startHarness, T0, windowQuery } from '../../harness/sim-client';

const code = (r: { json<T>(): T }): string => r.json<{ error: { code: string } }>().error.code;

describe('o365-sim subscriptions', () => {
  let h: SimHarness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('answers AF20022 for listing before the content type is started', async () => {
    const r = await h.get(`subscriptions/content?${windowQuery(T0 - HOUR, T0)}`);
    assert.equal(r.status, 400);
    assert.equal(code(r), 'AF20022');
    assert.deepEqual((await h.get('subscriptions/list')).json(), []);
  });

  it('starts once, then answers AF20024 on a second start', async () => {
    const first = await h.start();
    assert.equal(first.status, 200);
    assert.deepEqual(first.json(), { contentType: 'Audit.General', status: 'enabled', webhook: null });
    const second = await h.start();
    assert.equal(second.status, 400);
    assert.equal(code(second), 'AF20024');
    assert.equal(
      second.json<{ error: { message: string } }>().error.message,
      'The subscription is already enabled. No property change.',
    );
    assert.deepEqual((await h.get('subscriptions/list')).json(), [
      { contentType: 'Audit.General', status: 'enabled', webhook: null },
    ]);
    assert.equal((await h.get(`subscriptions/content?${windowQuery(T0 - HOUR, T0)}`)).status, 200);
  });

  it('stops: listing then answers AF20023 until started again', async () => {
    assert.equal((await h.post('subscriptions/stop?contentType=Audit.General')).status, 200);
    const r = await h.get(`subscriptions/content?${windowQuery(T0 - HOUR, T0)}`);
    assert.equal(code(r), 'AF20023');
    assert.equal(code(await h.post('subscriptions/stop?contentType=Audit.General')), 'AF20022');
    assert.equal((await h.start()).status, 200);
  });

  it('validates the content type (AF20001 missing, AF20020 unknown) and the method', async () => {
    assert.equal(code(await h.post('subscriptions/start')), 'AF20001');
    assert.equal(code(await h.post('subscriptions/start?contentType=Audit.Nothing')), 'AF20020');
    assert.equal((await h.get('subscriptions/start?contentType=Audit.General')).status, 405);
  });

  it('echoes a webhook given in the start body', async () => {
    const r = await h.post('subscriptions/start?contentType=Audit.Exchange', {
      body: JSON.stringify({ webhook: { address: 'https://example.invalid/hook', authId: 'o365' } }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.json<{ webhook: { address: string } }>().webhook.address, 'https://example.invalid/hook');
  });
});
