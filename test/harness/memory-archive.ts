/** An in-memory archive with ETags, enough for PipelineState's documents: tests of activities without Azurite. */
import { ConcurrencyError, type ArchiveStore } from '../../src/archive';

export function memoryArchive(): ArchiveStore {
  const docs = new Map<string, { value: unknown; etag: string }>();
  let n = 0;
  const store = {
    async readJson(name: string) {
      const d = docs.get(name);
      return d ? { value: structuredClone(d.value), etag: d.etag } : undefined;
    },
    async writeJson(name: string, value: unknown, etag: string | null) {
      const current = docs.get(name);
      if ((current?.etag ?? null) !== etag) throw new ConcurrencyError(name, etag);
      const next = `e${++n}`;
      docs.set(name, { value: structuredClone(value), etag: next });
      return next;
    },
    async list(prefix: string) {
      return [...docs.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
    async deleteDocument(name: string) {
      docs.delete(name);
    },
  };
  return store as unknown as ArchiveStore;
}
