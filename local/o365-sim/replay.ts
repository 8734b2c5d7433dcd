/**
 * Replay mode: a folder of exported content blobs (one JSON array of audit records per file) served as the
 * tenant's content. Files directly in the folder are Audit.General; files in a sub-folder named after a content type
 * (e.g. `Audit.Exchange/`) are that type. The export is replayed as if it had just happened: the newest blob becomes
 * available at the simulator's start time and the others keep their spacing (from each file's newest CreationTime),
 * so the 7-day rules apply to it as to live content. Content faults do not apply in replay mode.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CONTENT_TYPES, type ContentBlob, type ContentRef, type ContentSource } from './content-source';
import type { AuditRecord } from './records';

interface ReplayBlob {
  ref: ContentRef;
  records: AuditRecord[];
  malformed: boolean;
}

function newestCreationTime(records: AuditRecord[]): number | undefined {
  let newest: number | undefined;
  for (const r of records) {
    const t = Date.parse(`${String(r.CreationTime).replace(/Z$/, '')}Z`);
    if (Number.isFinite(t) && (newest === undefined || t > newest)) newest = t;
  }
  return newest;
}

export class ReplayTenant implements ContentSource {
  private readonly blobs: ReplayBlob[] = [];
  private readonly byId = new Map<string, ReplayBlob>();

  constructor(dir: string, startMs: number) {
    const files: { path: string; contentType: string }[] = [];
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        const type = CONTENT_TYPES.find((t) => t.toLowerCase() === name.toLowerCase());
        if (!type) continue;
        for (const inner of readdirSync(path).sort())
          if (inner.endsWith('.json')) files.push({ path: join(path, inner), contentType: type });
      } else if (name.endsWith('.json')) {
        files.push({ path, contentType: 'Audit.General' });
      }
    }
    if (files.length === 0) throw new Error(`replay folder ${dir} holds no .json content blobs`);
    const loaded = files.map((f, index) => {
      const text = readFileSync(f.path, 'utf8');
      let records: AuditRecord[] = [];
      let malformed = false;
      try {
        const parsed: unknown = JSON.parse(text);
        if (!Array.isArray(parsed)) throw new Error('not an array');
        records = parsed as AuditRecord[];
      } catch {
        malformed = true;
      }
      return { ...f, index, records, malformed, at: newestCreationTime(records) };
    });
    const times = loaded.map((l) => l.at).filter((t): t is number => t !== undefined);
    const newest = times.length > 0 ? Math.max(...times) : 0;
    for (const loadedBlob of loaded) {
      // A file with no readable CreationTime (malformed, empty) is replayed as one of the newest blobs.
      const l = { ...loadedBlob, at: loadedBlob.at ?? newest };
      const contentCreated = Math.floor(startMs - (newest - l.at)) - (loaded.length - l.index);
      const slug = basename(l.path, '.json').replace(/[^A-Za-z0-9._-]/g, '_');
      const contentId = `replay$${String(l.index).padStart(6, '0')}$${slug}`;
      const blob: ReplayBlob = {
        ref: {
          contentId,
          contentType: l.contentType,
          contentCreated,
          listedCreated: contentCreated,
          listableAt: contentCreated,
        },
        records: l.records,
        malformed: l.malformed,
      };
      this.blobs.push(blob);
      this.byId.set(contentId, blob);
    }
  }

  listingEntries(contentType: string, fromMs: number, toMs: number): ContentRef[] {
    return this.blobs
      .filter(
        (b) =>
          b.ref.contentType === contentType && b.ref.listedCreated >= fromMs && b.ref.listedCreated < toMs,
      )
      .map((b) => b.ref);
  }

  blobsCreatedIn(fromMs: number, toMs: number): ContentRef[] {
    return this.blobs
      .filter((b) => b.ref.contentCreated >= fromMs && b.ref.contentCreated < toMs)
      .map((b) => b.ref);
  }

  /** A recording lists each blob once, under its own contentCreated: no re-listing adds older blobs. */
  blobsListedIn(fromMs: number, toMs: number): ContentRef[] {
    return this.blobsCreatedIn(fromMs, toMs);
  }

  blob(contentId: string): ContentBlob | undefined {
    const b = this.byId.get(contentId);
    return b && { ref: b.ref, records: b.records, malformed: b.malformed };
  }
}
