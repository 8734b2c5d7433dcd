/** The archive's document operations over a Map: what PipelineState needs, for tests of activities without Azurite. */
import type { ArchiveStore } from '../../src/archive';

export function memoryArchive(): ArchiveStore {
  const docs = new Map<string, { value: unknown; etag: string }>();
  let n = 0;
  return {
    async readJson(name: string) {
      const d = docs.get(name);
      return d ? { value: structuredClone(d.value), etag: d.etag } : undefined;
    },
    async writeJson(name: string, value: unknown) {
      const etag = `e${++n}`;
      docs.set(name, { value: structuredClone(value), etag });
      return etag;
    },
    async list(prefix: string) {
      return [...docs.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
    async deleteDocument(name: string) {
      docs.delete(name);
    },
  } as unknown as ArchiveStore;
}
