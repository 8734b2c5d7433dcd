/** Load and save the loop's checkpoint document (state/checkpoints/<loop>.json). */
import { ConcurrencyError, documentNames } from '../src/archive';
import { getArchive } from '../src/runtime';
import type { Checkpoint, LoadCheckpointInput, SaveCheckpointInput } from './contracts';

export async function loadCheckpoint(input: LoadCheckpointInput): Promise<Checkpoint | null> {
  const archive = await getArchive();
  const doc = await archive.readJson<Checkpoint>(documentNames.checkpoint(input.loopId));
  return doc?.value ?? null;
}

/**
 * Idempotent and monotonic: a retried or replayed save never moves a stored checkpoint backwards (a stale writer
 * loses against a newer one).
 */
export async function saveCheckpoint(input: SaveCheckpointInput): Promise<Checkpoint> {
  const archive = await getArchive();
  const name = documentNames.checkpoint(input.checkpoint.loopId);
  for (let attempt = 0; ; attempt++) {
    const current = await archive.readJson<Checkpoint>(name);
    if (current && Date.parse(current.value.nextStart) > Date.parse(input.checkpoint.nextStart)) {
      return current.value;
    }
    try {
      await archive.writeJson(name, input.checkpoint, current?.etag ?? null);
      return input.checkpoint;
    } catch (e) {
      if (!(e instanceof ConcurrencyError) || attempt >= 3) throw e;
    }
  }
}
