import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zeroCounts, type WindowRecord as RecordWindowInput } from '../../../src/pipeline/model';
import { contentTag, uniqueById } from '../../../activities/ingestWindow';
import { mergeLedgerEntry } from '../../../src/pipeline/state';
import { chunk, countFetches, windowKeyOf } from '../../../orchestrators/processWindow';
import { buildLoopStatus, MAX_STATUS_BYTES, pushFailure } from '../../../src/pipeline/status';
import type { AlertRow } from '../../../src/kusto/schema';

const record = (over: Partial<RecordWindowInput> = {}): RecordWindowInput => ({
  contentType: 'Audit.General',
  windowStart: '2026-03-10T08:00:00.000Z',
  windowEnd: '2026-03-10T09:00:00.000Z',
  contentIds: ['b', 'a'],
  run: {
    instanceId: 'live-1',
    kind: 'live',
    at: '2026-03-10T09:06:00.000Z',
    status: 'done',
    counts: zeroCounts(),
  },
  ...over,
});

describe('ledger merging', () => {
  it('adds a rewind run beside the live one and unions the content ids', () => {
    const first = mergeLedgerEntry(undefined, record());
    const second = mergeLedgerEntry(
      first,
      record({ contentIds: ['c', 'a'], run: { ...record().run, instanceId: 'rewind-1', kind: 'rewind' } }),
    );
    assert.deepEqual(second.contentIds, ['a', 'b', 'c']);
    assert.deepEqual(
      second.runs.map((r) => r.kind),
      ['live', 'rewind'],
    );
    assert.equal(second.status, 'done');
  });
  it('replaces a repeated run (activity retry) instead of adding it', () => {
    const once = mergeLedgerEntry(undefined, record());
    assert.equal(mergeLedgerEntry(once, record()).runs.length, 1);
  });
  it('keeps a window done when a later run fails, and failed until one succeeds', () => {
    const failed = mergeLedgerEntry(
      undefined,
      record({ run: { ...record().run, status: 'failed', error: 'x' } }),
    );
    assert.equal(failed.status, 'failed');
    assert.equal(mergeLedgerEntry(failed, record()).status, 'done');
    const done = mergeLedgerEntry(undefined, record());
    assert.equal(
      mergeLedgerEntry(done, record({ run: { ...record().run, instanceId: 'r2', status: 'failed' } })).status,
      'done',
    );
  });
});

describe('window helpers', () => {
  it('chunks fan-out into bounded batches', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  });
  it('keys a window by run, content type and normalised start', () => {
    assert.equal(
      windowKeyOf({
        runId: 'o365-pipeline',
        contentType: 'Audit.General',
        windowStart: '2026-03-10T08:00:00Z',
      }),
      'o365-pipeline-Audit.General-2026-03-10T08:00:00.000Z',
    );
  });
  it('counts fetch outcomes', () => {
    const base = { recordsSeen: 10, malformedRecords: 1, rowCount: 0, waitingCount: 2, verdictCount: 0 };
    const c = countFetches([
      { ...base, contentId: 'a', outcome: 'selected' },
      { ...base, contentId: 'b', outcome: 'malformed', recordsSeen: 0 },
      { ...base, contentId: 'c', outcome: 'expired', recordsSeen: 0, waitingCount: 0 },
    ]);
    assert.equal(c.fetched, 2);
    assert.equal(c.recordsSeen, 10);
    assert.equal(c.malformedBlobs, 1);
    assert.equal(c.expiredContent, 1);
    assert.equal(c.waitingAlerts, 4);
  });
  it('drops duplicate record ids inside a batch, keeping the first', () => {
    const rows = [{ Id: '1', Name: 'a' }, { Id: '2' }, { Id: '1', Name: 'b' }] as unknown as AlertRow[];
    const { unique, duplicates } = uniqueById(rows);
    assert.equal(duplicates, 1);
    assert.deepEqual(
      unique.map((r) => (r as unknown as { Name?: string }).Name),
      ['a', undefined],
    );
  });
});

describe('ingestion tag', () => {
  const rows = (...ids: string[]) => ids.map((Id) => ({ Id })) as unknown as AlertRow[];
  it('is the same for the same rows in any order, and differs when the rows differ', () => {
    assert.equal(contentTag(rows('a', 'b')), contentTag(rows('b', 'a')));
    assert.notEqual(contentTag(rows('a', 'b')), contentTag(rows('a', 'b', 'c')));
    assert.match(contentTag(rows('a')), /^rows-[0-9a-f]{40}$/);
  });
});

describe('loop status', () => {
  it('stays under 16 KB whatever the failures, keeping the newest', () => {
    let failures: ReturnType<typeof pushFailure> = [];
    for (let i = 0; i < 50; i++)
      failures = pushFailure(failures, { window: `w${i}`, attempt: i, at: 'now', error: 'e'.repeat(10_000) });
    assert.equal(failures.length, 5);
    assert.equal(failures[4].window, 'w49');
    const checkpoint = {
      loopId: 'o365-pipeline',
      nextStart: '2026-03-10T08:00:00.000Z',
      origin: '2026-03-09T00:00:00.000Z',
      updatedAt: 'x',
      windowsDone: 3,
      totals: zeroCounts(),
      dataLoss: [],
    };
    const status = buildLoopStatus(
      { loopId: 'o365-pipeline', state: 'retrying', pendingAlerts: 2, recentFailures: failures },
      checkpoint,
      Date.parse('2026-03-10T10:30:00Z'),
    );
    assert.ok(Buffer.byteLength(JSON.stringify(status)) <= MAX_STATUS_BYTES);
    assert.equal(status.lagMinutes, 150);
    assert.equal(status.checkpoint, checkpoint.nextStart);
  });
});
