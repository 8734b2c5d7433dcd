import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fetchContentActivity, type FetchContentInput } from '../../../activities/fetchContent';
import type { RuleSet } from '../../../src/alerts';
import {
  ContentExpiredError,
  ContentRejectedError,
  CredentialError,
  ThrottledError,
  TransientApiError,
  UntrustedContentUriError,
  type ManagementApiClient,
} from '../../../src/o365';
import { PipelineState } from '../../../src/pipeline/state';
import { memoryArchive } from '../../harness/memory-archive';

const input = (extra: Partial<FetchContentInput['content']> = {}): FetchContentInput => ({
  content: {
    contentType: 'Audit.General',
    contentId: 'blob-1',
    contentUri: 'https://127.0.0.1/api/v1.0/t/activity/feed/audit/blob-1',
    contentCreated: '2026-03-01T00:10:00.000Z',
    contentExpiration: '2026-03-08T00:10:00.000Z',
    ...extra,
  },
  windowKey: 'loop-Audit.General-2026-03-01T00:00:00.000Z',
  windowStart: '2026-03-01T00:00:00.000Z',
  windowEnd: '2026-03-01T01:00:00.000Z',
  loopId: 'loop',
});

function activity(error: unknown, calls = { n: 0 }) {
  const state = new PipelineState(memoryArchive());
  const client = {
    async fetchContentText() {
      calls.n++;
      throw error;
    },
  } as unknown as ManagementApiClient;
  const fetchContent = fetchContentActivity({
    state: async () => state,
    o365: async () => client,
    rules: () => ({}) as RuleSet,
  });
  return { fetchContent, state, calls };
}

const details = { status: 404, operation: 'fetchContent' };

describe('fetchContent parks what its retries could not fetch', () => {
  for (const [name, error, kind] of [
    ['a 404 without an AF code', new ContentRejectedError('HTTP 404', details), 'permanent'],
    [
      'a contentUri on a foreign host',
      new UntrustedContentUriError('refusing to send the token', details),
      'permanent',
    ],
    [
      'throttling that outlasted the backoff',
      new ThrottledError('429', { ...details, status: 429 }),
      'transient',
    ],
    [
      '5xx that outlasted the backoff',
      new TransientApiError('503', { ...details, status: 503 }),
      'transient',
    ],
  ] as const) {
    it(`parks ${name} as ${kind}, newly once, then as further attempts`, async () => {
      const { fetchContent, state } = activity(error);
      const first = await fetchContent(input());
      assert.equal(first.outcome, 'parked');
      assert.equal(first.newlyParked, true);
      const second = await fetchContent(input({ retry: true }));
      assert.equal(second.outcome, 'parked');
      assert.equal(second.newlyParked, false);
      const [set] = await state.parkedSets('loop');
      assert.equal(set.blobs.length, 1);
      assert.equal(set.blobs[0].kind, kind);
      assert.equal(set.blobs[0].attempts, 2);
      assert.equal(set.blobs[0].contentExpiration, '2026-03-08T00:10:00.000Z');
    });
  }

  it('fails the window on a tenant-wide failure instead of parking', async () => {
    const { fetchContent, state } = activity(
      new CredentialError('no token', { status: 0, operation: 'token' }),
    );
    await assert.rejects(fetchContent(input()), /no token/);
    assert.deepEqual(await state.parkedSets('loop'), []);
  });

  it('reports expired content as before, and gives up a parked blob that ends that way with one data-loss entry', async () => {
    const { fetchContent, state } = activity(new ContentExpiredError('AF20051', details));
    await state.parkBlob('loop', {
      content: input().content,
      contentExpiration: '2026-03-08T00:10:00.000Z',
      error: 'earlier',
      kind: 'permanent',
      windowKey: 'w0',
      atIso: '2026-03-01T00:00:00.000Z',
    });
    const out = await fetchContent(input({ retry: true }));
    assert.equal(out.outcome, 'expired');
    assert.equal(out.givenUp, true);
    const [set] = await state.parkedSets('loop');
    assert.deepEqual(set.blobs, []);
    assert.deepEqual(
      set.lost.map((l) => [l.contentId, l.lastError]),
      [['blob-1', 'AF20051']],
      'named in the data-loss list once',
    );
    const again = await fetchContent(input({ retry: true }));
    assert.equal(again.givenUp, undefined);
    assert.equal((await state.parkedSets('loop'))[0].lost.length, 1);
  });

  it('parks a reference with impossible dates without fetching it, giving up 7 days after the window end', async () => {
    const calls = { n: 0 };
    const { fetchContent, state } = activity(new Error('must not be called'), calls);
    const out = await fetchContent(
      input({ contentCreated: '2024-13-45T99:99:99', invalid: 'contentCreated is not a valid time' }),
    );
    assert.equal(out.outcome, 'parked');
    assert.equal(calls.n, 0);
    const [set] = await state.parkedSets('loop');
    assert.equal(set.blobs[0].contentExpiration, '2026-03-08T01:00:00.000Z');
    assert.equal(set.blobs[0].invalid, 'contentCreated is not a valid time');
  });
});
