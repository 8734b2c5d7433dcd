import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PipelineState } from '../../../src/pipeline/state';
import type { ArchiveStore } from '../../../src/archive';
import { startArchiveOnAzurite, type ArchiveOnAzurite } from '../../harness/archive-azurite';

const HOUR = 60 * 60 * 1000;
const NOW = Date.parse('2026-03-10T12:30:00Z');

describe('queued-batch id documents', () => {
  let azurite: ArchiveOnAzurite | undefined;
  let archive: ArchiveStore;

  before(async () => {
    azurite = await startArchiveOnAzurite('recent');
    archive = azurite.store;
  });
  after(async () => {
    await azurite?.close();
  });

  it('keeps the current and previous hour for the duplicate check, and prunes older hours', async () => {
    await new PipelineState(archive).recordQueuedBatch('tag-old', ['old-1'], NOW - 3 * HOUR);
    await new PipelineState(archive).recordQueuedBatch('tag-prev', ['prev-1', 'prev-2'], NOW - HOUR);
    await new PipelineState(archive).recordQueuedBatch('tag-now', ['now-1'], NOW);

    assert.deepEqual([...(await new PipelineState(archive).recentlyQueuedIds(NOW))].sort(), [
      'now-1',
      'prev-1',
      'prev-2',
    ]);
    assert.equal(await new PipelineState(archive).pruneQueuedBatches(NOW), 1);
    assert.equal(await new PipelineState(archive).pruneQueuedBatches(NOW), 0, 'pruning again finds nothing');
    assert.deepEqual((await archive.list('state/ingested/')).length, 2);
    assert.deepEqual([...(await new PipelineState(archive).recentlyQueuedIds(NOW))].sort(), [
      'now-1',
      'prev-1',
      'prev-2',
    ]);
  });
});
