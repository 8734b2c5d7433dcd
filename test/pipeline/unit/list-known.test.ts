/**
 * A live window lists from its re-list overlap on and skips every listed blob a live run already processed, however
 * long ago the service first listed it: a blob listed again carries a later contentCreated but its first expiration,
 * so the ledger is read from the oldest expiration minus the retention, never further back than the retention.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { knownFrom, listContentActivity, type ListContentInput } from '../../../activities/listContent';
import type { ContentReference, ManagementApiClient } from '../../../src/o365';
import { PipelineState } from '../../../src/pipeline/state';
import { RETENTION_MS } from '../../../src/pipeline/windows';
import { memoryArchive } from '../../harness/memory-archive';

const HOUR = 3_600_000;
const WINDOW_START = Date.parse('2026-03-01T04:00:00.000Z');
const iso = (ms: number): string => DateTime.fromMillis(ms, { zone: 'utc' }).toISO()!;

/** A listing entry; a blob listed again shows `listedMs` as its contentCreated, and its first expiration. */
function ref(contentId: string, createdMs: number, listedMs = createdMs): ContentReference {
  return {
    contentType: 'Audit.General',
    contentId,
    contentUri: `https://127.0.0.1/api/v1.0/t/activity/feed/audit/${contentId}`,
    contentCreated: iso(listedMs),
    contentExpiration: iso(createdMs + RETENTION_MS),
  };
}

/** A loop whose ledger holds `processed` (contentId → start of the live window that processed it). */
async function loopWithLedger(processed: Record<string, number>, listing: ContentReference[]) {
  const state = new PipelineState(memoryArchive());
  for (const [contentId, windowStartMs] of Object.entries(processed)) {
    await state.recordWindow({
      contentType: 'Audit.General',
      windowStart: iso(windowStartMs),
      windowEnd: iso(windowStartMs + HOUR),
      run: { instanceId: `live-${contentId}`, kind: 'live', at: iso(windowStartMs + HOUR), status: 'done' },
      contentIds: [contentId],
    });
  }
  const client = {
    async listContent() {
      return listing;
    },
    fetchesInFlight: () => 8,
  } as unknown as ManagementApiClient;
  return listContentActivity({ state: async () => state, o365: async () => client });
}

const input: ListContentInput = {
  contentType: 'Audit.General',
  listFrom: iso(WINDOW_START - HOUR / 4),
  windowStart: iso(WINDOW_START),
  windowEnd: iso(WINDOW_START + HOUR),
  skipKnown: true,
  windowKey: `loop-Audit.General-${iso(WINDOW_START)}`,
  loopId: 'loop',
};

describe('a live listing skips what live runs already processed', () => {
  // Each case: a blob processed by an earlier live window, listed again in this window's overlap beside a new one.
  const cases: [string, ContentReference, number][] = [
    [
      // Created 23:20, processed by the 23:00 window, listed again as created 03:50.
      'a blob listed again long after its first window processed it',
      ref('seen', WINDOW_START - 4 * HOUR - 40 * 60_000, WINDOW_START - 10 * 60_000),
      WINDOW_START - 5 * HOUR,
    ],
    ['a blob the previous window processed', ref('seen', WINDOW_START - 5 * 60_000), WINDOW_START - HOUR],
  ];
  for (const [name, seen, processedInWindow] of cases) {
    it(`${name} is skipped and counted, not fetched again`, async () => {
      const listContent = await loopWithLedger({ seen: processedInWindow }, [
        seen,
        ref('new', WINDOW_START + 10 * 60_000),
      ]);
      const out = await listContent(input);
      assert.deepEqual(
        out.toFetch.map((c) => c.contentId),
        ['new'],
      );
      assert.equal(out.alreadyProcessed, 1);
      assert.equal(out.listed, 2);
    });
  }

  it('reads the ledger from one window before the oldest first creation, bounded by the retention', () => {
    const end = WINDOW_START + HOUR;
    const listFrom = WINDOW_START - HOUR / 4;
    const expiringAfter = (createdMs: number) => ({ contentExpiration: iso(createdMs + RETENTION_MS) });
    assert.equal(knownFrom([], listFrom, WINDOW_START, end), listFrom - HOUR);
    assert.equal(knownFrom([expiringAfter(WINDOW_START)], listFrom, WINDOW_START, end), listFrom - HOUR);
    assert.equal(
      knownFrom([expiringAfter(WINDOW_START - 4 * HOUR)], listFrom, WINDOW_START, end),
      WINDOW_START - 5 * HOUR,
    );
    assert.equal(
      knownFrom([{ contentExpiration: '1970-01-08T00:00:00Z' }], listFrom, WINDOW_START, end),
      end - RETENTION_MS - HOUR,
    );
    const flagged = { ...expiringAfter(WINDOW_START - 4 * HOUR), invalid: 'contentCreated is not a time' };
    for (const impossible of [flagged, { contentExpiration: 'never' }, {}])
      assert.equal(knownFrom([impossible], listFrom, WINDOW_START, end), listFrom - HOUR);
  });
});
