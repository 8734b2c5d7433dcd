import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PipelineState } from '../../../src/pipeline/state';
import { startAzurite, type RunningAzurite } from '../../../local/azurite';
import { ArchiveStore } from '../../../src/archive';

const HOUR = 60 * 60 * 1000;
const NOW = Date.parse('2026-03-10T12:30:00Z');

describe('queued-batch id documents', () => {
  let azurite: RunningAzurite | undefined;
  let archive: ArchiveStore;
  const location = mkdtempSync(join(tmpdir(), 'recent-ingestions-'));

  before(async () => {
    azurite = await startAzurite({ location, blobPort: 0, queuePort: 0, tablePort: 0 });
    archive = ArchiveStore.fromConfig({
      connectionString: azurite.connectionString,
      archiveContainer: 'recent',
    });
    await archive.ensureContainer();
  });
  after(async () => {
    await azurite?.close();
    rmSync(location, { recursive: true, force: true });
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
