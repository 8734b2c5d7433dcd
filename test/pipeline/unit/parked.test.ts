import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { giveUpTime } from '../../../activities/fetchContent';
import { windowKeyOfRowsDocument } from '../../../activities/ingestWindow';
import { dataLossOf } from '../../../orchestrators/processWindow';
import {
  ingestionView,
  verifyIngestions,
  type IngestionReportLike,
} from '../../../src/functions/verify-ingestions';
import { addCounts, zeroCounts, type ContentToFetch } from '../../../src/pipeline/model';
import {
  mergeLedgerEntry,
  parkInSet,
  PipelineState,
  queuedBatchName,
  summarizeParked,
  takeDueFromSet,
  windowRowsName,
  type ParkedSetDocument,
  type ParkRequest,
} from '../../../src/pipeline/state';
import { memoryArchive } from '../../harness/memory-archive';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function content(id: string, createdMs = T0): ContentToFetch {
  return {
    contentType: 'Audit.General',
    contentId: id,
    contentUri: `https://127.0.0.1/api/v1.0/t/activity/feed/audit/${id}`,
    contentCreated: iso(createdMs),
    contentExpiration: iso(createdMs + 168 * HOUR),
  };
}

function req(id: string, expirationMs: number, at = T0, windowKey = 'w1'): ParkRequest {
  return {
    content: content(id),
    contentExpiration: iso(expirationMs),
    error: `404 for ${id}`,
    kind: 'permanent',
    windowKey,
    atIso: iso(at),
  };
}

const empty = (): ParkedSetDocument => ({ contentType: 'Audit.General', blobs: [], lost: [] });

describe('parked set', () => {
  it('parks a new blob once and counts later failures as attempts of the same entry', () => {
    let doc = empty();
    const first = parkInSet(doc, req('a', T0 + 10 * HOUR));
    assert.equal(first.outcome, 'parked');
    doc = first.doc;
    const again = parkInSet(doc, { ...req('a', T0 + 10 * HOUR, T0 + HOUR), error: 'timeout' });
    assert.equal(again.outcome, 'attempted');
    assert.equal(again.doc.blobs.length, 1);
    assert.equal(again.doc.blobs[0].attempts, 2);
    assert.equal(again.doc.blobs[0].lastError, 'timeout');
    assert.equal(again.doc.blobs[0].firstParkedAt, iso(T0));
    assert.equal(again.doc.blobs[0].lastAttemptAt, iso(T0 + HOUR));
  });

  it('does not park again a blob already given up', () => {
    const parked = parkInSet(empty(), req('a', T0 + HOUR)).doc;
    const { doc } = takeDueFromSet(parked, T0 + 2 * HOUR, 'w2', 50, iso(T0 + 2 * HOUR));
    const late = parkInSet(doc, req('a', T0 + HOUR));
    assert.equal(late.outcome, 'lost');
    assert.equal(late.doc.blobs.length, 0);
    assert.equal(late.doc.lost.length, 1);
  });

  it('retries nearest expiration first, operator-requested blobs before all, at most max', () => {
    let doc = empty();
    for (const [id, exp] of [
      ['late', 50],
      ['soon', 5],
      ['mid', 20],
      ['asked', 90],
    ] as const) {
      doc = parkInSet(doc, req(id, T0 + exp * HOUR)).doc;
    }
    doc = {
      ...doc,
      blobs: doc.blobs.map((b) => (b.contentId === 'asked' ? { ...b, retryRequestedAt: iso(T0) } : b)),
    };
    const { due, givenUp } = takeDueFromSet(doc, T0, 'w1', 3, iso(T0));
    assert.deepEqual(
      due.map((b) => b.contentId),
      ['asked', 'soon', 'mid'],
    );
    assert.deepEqual(givenUp, []);
  });

  it('gives up a blob only at its expiration, with exactly one lost entry however often the window repeats', () => {
    const doc = parkInSet(parkInSet(empty(), req('a', T0 + 10 * HOUR)).doc, req('b', T0 + 20 * HOUR)).doc;
    const before = takeDueFromSet(doc, T0 + 10 * HOUR - 1, 'w9', 50, iso(T0));
    assert.equal(before.doc.lost.length, 0, 'not before its expiration');
    const at = takeDueFromSet(doc, T0 + 10 * HOUR, 'w10', 50, iso(T0 + 10 * HOUR));
    assert.deepEqual(
      at.givenUp.map((l) => [l.contentId, l.lastError, l.windowKey]),
      [['a', '404 for a', 'w10']],
    );
    assert.deepEqual(
      at.due.map((b) => b.contentId),
      ['b'],
    );
    // The same window retried (activity retry): reports the same entry, adds none.
    const repeat = takeDueFromSet(at.doc, T0 + 10 * HOUR, 'w10', 50, iso(T0 + 10 * HOUR));
    assert.equal(repeat.doc.lost.length, 1);
    assert.deepEqual(
      repeat.givenUp.map((l) => l.contentId),
      ['a'],
    );
    // A later window reports nothing new.
    const later = takeDueFromSet(repeat.doc, T0 + 11 * HOUR, 'w11', 50, iso(T0 + 11 * HOUR));
    assert.deepEqual(later.givenUp, []);
    assert.equal(later.doc.lost.length, 1);
  });

  it('treats an unparseable expiration as expired', () => {
    const doc = parkInSet(empty(), { ...req('bad', 0), contentExpiration: '2024-13-45T99:99:99' }).doc;
    const { givenUp } = takeDueFromSet(doc, T0, 'w1', 50, iso(T0));
    assert.deepEqual(
      givenUp.map((l) => l.contentId),
      ['bad'],
    );
  });

  it('summarizes count, oldest created, next expiry and hours left', () => {
    let doc = parkInSet(empty(), req('a', T0 + 30 * HOUR)).doc;
    doc = parkInSet(doc, { ...req('b', T0 + 6 * HOUR), content: content('b', T0 - 5 * HOUR) }).doc;
    const s = summarizeParked([doc], T0);
    assert.equal(s.count, 2);
    assert.equal(s.oldestCreated, iso(T0 - 5 * HOUR));
    assert.equal(s.nextExpiry, iso(T0 + 6 * HOUR));
    assert.equal(s.hoursToNextExpiry, 6);
    assert.deepEqual(
      s.blobs.map((b) => b.contentId),
      ['b', 'a'],
    );
    assert.deepEqual(summarizeParked([], T0), { count: 0, blobs: [] });
  });
});

describe('parking helpers', () => {
  it('gives up at the listed expiration, or listed time + 7 days when the reference dates are impossible', () => {
    assert.equal(giveUpTime(content('a'), iso(T0 + HOUR)), iso(T0 + 168 * HOUR));
    const invalid = {
      ...content('x'),
      contentCreated: '2024-13-45T99:99:99',
      contentExpiration: '2024-13-52T99:99:99',
      invalid: 'contentCreated is not a valid time',
    };
    assert.equal(giveUpTime(invalid, iso(T0 + HOUR)), iso(T0 + HOUR + 168 * HOUR));
  });

  it('names every given-up blob in the window data loss beside the range entries', () => {
    const lost = {
      contentType: 'Audit.General',
      contentId: 'c1',
      contentCreated: iso(T0),
      contentExpiration: iso(T0 + 168 * HOUR),
      attempts: 7,
      lastError: 'HTTP 404',
      windowKey: 'w',
      at: iso(T0),
    };
    const range = { from: iso(T0), to: iso(T0 + HOUR), reason: 'retention' };
    const out = dataLossOf([range], [lost]).dataLoss!;
    assert.equal(out.length, 2);
    assert.equal(out[1].contentId, 'c1');
    assert.match(out[1].reason, /7 attempt\(s\): HTTP 404/);
    assert.deepEqual(dataLossOf(undefined, undefined), {});
  });

  it('keeps one ledger data-loss entry when the same run is recorded twice', () => {
    const record = {
      contentType: 'Audit.General',
      windowStart: iso(T0),
      windowEnd: iso(T0 + HOUR),
      contentIds: ['c1'],
      run: { instanceId: 'i', kind: 'live' as const, at: iso(T0), status: 'done' as const },
      dataLoss: [{ from: iso(T0), to: iso(T0 + HOUR), contentId: 'c1', reason: 'given up' }],
    };
    const twice = mergeLedgerEntry(mergeLedgerEntry(undefined, record), record);
    assert.equal(twice.dataLoss?.length, 1);
  });

  it('old documents without the new counters still add up', () => {
    const old = { ...zeroCounts() } as Partial<ReturnType<typeof zeroCounts>>;
    delete old.parkedBlobs;
    const sum = addCounts(old as ReturnType<typeof zeroCounts>, { parkedBlobs: 2, dataLossBlobs: 1 });
    assert.equal(sum.parkedBlobs, 2);
    assert.equal(sum.dataLossBlobs, 1);
  });

  it('reads the window key back from its rows document name', () => {
    const key = 'o365-pipeline-Audit.General-2026-03-01T00:00:00.000Z';
    assert.equal(windowKeyOfRowsDocument(windowRowsName(key)), key);
  });
});

describe('parked set in PipelineState', () => {
  it('parks, retries, recovers and marks on demand through its documents', async () => {
    const state = new PipelineState(memoryArchive());
    assert.equal(await state.parkBlob('loop', req('a', T0 + 10 * HOUR)), 'parked');
    assert.equal(await state.parkBlob('loop', req('b', T0 + 5 * HOUR)), 'parked');
    assert.equal(await state.parkBlob('loop', req('a', T0 + 10 * HOUR)), 'attempted');
    assert.deepEqual(await state.requestParkedRetry('loop', { contentIds: ['a', 'zz'] }, iso(T0)), ['a']);
    const { due } = await state.takeDueParked('loop', 'Audit.General', T0, 'w1', 50);
    assert.deepEqual(
      due.map((b) => b.contentId),
      ['a', 'b'],
    );
    assert.equal(await state.markRecovered('loop', 'Audit.General', 'a', 'w1'), true);
    // Until its window is recorded done, the recovered blob stays (and comes first), so a failed window retries it.
    const again = await state.takeDueParked('loop', 'Audit.General', T0, 'w1', 1);
    assert.deepEqual(
      again.due.map((b) => b.contentId),
      ['a'],
    );
    assert.equal(await state.settleRecovered('loop', 'Audit.General', ['a', 'b']), 1, 'b was not recovered');
    assert.equal(await state.unparkBlob('loop', 'Audit.General', 'a'), false);
    const sets = await state.parkedSets('loop');
    assert.deepEqual(
      sets.flatMap((s) => s.blobs.map((b) => b.contentId)),
      ['b'],
    );
    assert.deepEqual(await state.parkedSets('other-loop'), []);
  });
});

describe('verifyIngestions', () => {
  const rows = [
    { Id: 'r1', RecordType: 40 },
    { Id: 'r2', RecordType: 40 },
  ] as never[];

  async function setup() {
    const state = new PipelineState(memoryArchive());
    const rowsDocument = await state.putWindowRows('loop-Audit.General-2026-03-01T00:00:00.000Z', {
      rows,
      summary: {
        rowsDocument: '',
        rowCount: 2,
        selectedRows: 2,
        released: 0,
        expiredAlerts: 0,
        pendingAlerts: 0,
      },
      expiredAlertIds: [],
    });
    const atMs = Date.now();
    await state.recordQueuedBatch('tag1', ['r1', 'r2'], atMs);
    await state.recordIngestionBatch({
      sourceId: 'src-1',
      tag: 'tag1',
      rowsDocument,
      ids: ['r1', 'r2'],
      windowKey: 'loop-Audit.General-2026-03-01T00:00:00.000Z',
      queuedAt: iso(atMs),
      status: 'pending',
      queuedDocument: queuedBatchName('tag1', atMs),
      sends: 1,
    });
    const sent: { ids: string[]; tag: string }[] = [];
    let queue: IngestionReportLike[] = [];
    const sink = {
      async drainIngestionReports() {
        const out = queue;
        queue = [];
        return out;
      },
      async ingestRows(r: { Id: unknown }[], tag: string) {
        sent.push({ ids: r.map((x) => String(x.Id)), tag });
        return { mode: 'queued', rows: r.length };
      },
    };
    const report = (r: Partial<IngestionReportLike>) => {
      queue.push({ sourceId: 'src-1', status: 'Failed', permanent: false, at: iso(Date.now()), ...r });
    };
    return { state, sink, sent, report, atMs };
  }

  it('marks a succeeded batch succeeded', async () => {
    const { state, sink, report } = await setup();
    report({ status: 'Succeeded' });
    const s = await verifyIngestions(state, sink, Date.now());
    assert.equal(s.succeeded, 1);
    assert.equal((await state.readIngestionBatch('src-1'))?.status, 'succeeded');
  });

  it('re-sends a transiently failed batch from its rows document with the same tag, a bounded number of times', async () => {
    const { state, sink, sent, report } = await setup();
    report({ errorCode: 'Internal', details: 'try later' });
    await verifyIngestions(state, sink, Date.now());
    report({ errorCode: 'Internal' });
    await verifyIngestions(state, sink, Date.now());
    report({ errorCode: 'Internal' });
    const last = await verifyIngestions(state, sink, Date.now());
    assert.deepEqual(sent, [
      { ids: ['r1', 'r2'], tag: 'tag1' },
      { ids: ['r1', 'r2'], tag: 'tag1' },
    ]);
    assert.equal(last.failed, 1, 'the third failure is final');
    const batch = await state.readIngestionBatch('src-1');
    assert.equal(batch?.status, 'failed');
    assert.equal(batch?.sends, 3);
  });

  it('fails a permanently rejected batch with the service error and frees its Ids for a rewind', async () => {
    const { state, sink, sent, report, atMs } = await setup();
    assert.ok((await state.recentlyQueuedIds(atMs)).has('r1'));
    report({ permanent: true, errorCode: 'BadRequest_InconsistentMapping', details: 'column X' });
    report({ sourceId: 'someone-else', status: 'Succeeded' });
    const s = await verifyIngestions(state, sink, Date.now());
    assert.equal(s.failed, 1);
    assert.equal(s.unknown, 1);
    assert.deepEqual(sent, [], 'a permanent failure is not re-sent');
    const batch = await state.readIngestionBatch('src-1');
    assert.equal(batch?.status, 'failed');
    assert.equal(batch?.error, 'BadRequest_InconsistentMapping: column X');
    assert.equal((await state.recentlyQueuedIds(atMs)).has('r1'), false);
  });

  it('shows a batch pending for more than 30 minutes as overdue', async () => {
    const { state, atMs } = await setup();
    assert.deepEqual((await ingestionView(state, atMs + 29 * 60_000)).pending.overdue, []);
    const late = await ingestionView(state, atMs + 31 * 60_000);
    assert.equal(late.pending.count, 1);
    assert.deepEqual(
      late.pending.overdue.map((o) => o.sourceId),
      ['src-1'],
    );
  });

  it('resolves a failed batch once every one of its rows is in the table', async () => {
    const { state, sink, report } = await setup();
    report({ permanent: true, errorCode: 'BadRequest_InvalidBlob' });
    const present = new Set<string>(['r1']);
    const withTable = {
      ...sink,
      existingIds: async (ids: string[]) => new Set(ids.filter((i) => present.has(i))),
    };
    const first = await verifyIngestions(state, withTable, Date.now());
    assert.equal(first.resolved, 0, 'one row is still missing');
    assert.equal((await state.readIngestionBatch('src-1'))?.status, 'failed');
    present.add('r2');
    const second = await verifyIngestions(state, withTable, Date.now());
    assert.equal(second.resolved, 1);
    assert.equal((await state.readIngestionBatch('src-1'))?.status, 'succeeded');
  });
});
