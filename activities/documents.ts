/** Small helpers over the archive's JSON documents for activities that must be safe to repeat. */
import { ConcurrencyError, type ArchiveStore } from '../src/archive';

/**
 * Writes a document whose content is determined by its name (a window's result, a blob's selection), so a repeat
 * may simply replace what an earlier attempt wrote.
 */
export async function putDocument<T>(archive: ArchiveStore, name: string, value: T): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = await archive.readJson<unknown>(name);
    try {
      await archive.writeJson(name, value, current?.etag ?? null);
      return;
    } catch (e) {
      if (!(e instanceof ConcurrencyError) || attempt >= 3) throw e;
    }
  }
}

export async function getDocument<T>(archive: ArchiveStore, name: string): Promise<T> {
  const doc = await archive.readJson<T>(name);
  if (!doc) throw new Error(`archive document ${name} is missing`);
  return doc.value;
}
