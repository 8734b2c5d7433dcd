/** Load and save the loop's checkpoint document (state/checkpoints/<loop>.json) and its stop request. */
import { ConcurrencyError, documentNames, type ArchiveStore } from '../src/archive';
import { getArchive } from '../src/runtime';
import type { Checkpoint, LoadCheckpointInput, SaveCheckpointInput } from './contracts';
import { putDocument } from './documents';

/**
 * A stop request kept beside the checkpoint (state/checkpoints/<loop>-stop.json). The `stop` event alone can be
 * lost: when it arrives after the loop stopped listening in a generation (while the checkpoint is saved, or as the
 * caught-up timer fires), continueAsNew drops it. The document survives that, and saveCheckpoint reports it.
 */
export interface StopRequestDocument {
  /** When the stop was asked for; null once a start cleared it. */
  requestedAt: string | null;
}

/** What saveCheckpoint returns: the stored checkpoint and whether a stop was asked for meanwhile. */
export type SavedCheckpoint = Checkpoint & { stopRequested: boolean };

export function stopRequestName(loopId: string): string {
  return documentNames.checkpoint(`${loopId}-stop`);
}

/** Called by the stop route; `at` null clears the request (the start route, before a new loop starts). */
export async function writeStopRequest(
  archive: ArchiveStore,
  loopId: string,
  at: string | null,
): Promise<void> {
  await putDocument<StopRequestDocument>(archive, stopRequestName(loopId), { requestedAt: at });
}

async function stopRequested(archive: ArchiveStore, loopId: string): Promise<boolean> {
  const doc = await archive.readJson<StopRequestDocument>(stopRequestName(loopId));
  return typeof doc?.value.requestedAt === 'string';
}

export async function loadCheckpoint(input: LoadCheckpointInput): Promise<Checkpoint | null> {
  const archive = await getArchive();
  const doc = await archive.readJson<Checkpoint>(documentNames.checkpoint(input.loopId));
  return doc?.value ?? null;
}

/**
 * Idempotent and monotonic: a retried or replayed save never moves a stored checkpoint backwards (a stale writer
 * loses against a newer one).
 */
export async function saveCheckpoint(input: SaveCheckpointInput): Promise<SavedCheckpoint> {
  const archive = await getArchive();
  const name = documentNames.checkpoint(input.checkpoint.loopId);
  const stop = await stopRequested(archive, input.checkpoint.loopId);
  for (let attempt = 0; ; attempt++) {
    const current = await archive.readJson<Checkpoint>(name);
    if (current && Date.parse(current.value.nextStart) > Date.parse(input.checkpoint.nextStart)) {
      return { ...current.value, stopRequested: stop };
    }
    try {
      await archive.writeJson(name, input.checkpoint, current?.etag ?? null);
      return { ...input.checkpoint, stopRequested: stop };
    } catch (e) {
      if (!(e instanceof ConcurrencyError) || attempt >= 3) throw e;
    }
  }
}
