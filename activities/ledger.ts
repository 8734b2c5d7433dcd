/**
 * The per-window ledger (state/ledger/<contentType>/<day>/<windowStart>.json): which blobs a window processed, and
 * every run of it — live, retried, failed or rewound — so operators and re-listings can see what happened.
 */
import { ConcurrencyError, documentNames, type ArchiveStore } from '../src/archive';
import { getArchive } from '../src/runtime';
import type { LedgerEntry, LedgerRun, RecordWindowInput } from './contracts';

const MAX_RUNS = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Folds a run into an entry. Re-recording the same run (an activity retry) replaces it instead of adding one. */
export function mergeLedgerEntry(existing: LedgerEntry | undefined, input: RecordWindowInput): LedgerEntry {
  const ids = new Set(existing?.contentIds ?? []);
  for (const id of input.contentIds) ids.add(id);
  const runs: LedgerRun[] = (existing?.runs ?? []).filter(
    (r) => !(r.instanceId === input.run.instanceId && r.status === input.run.status),
  );
  runs.push(input.run);
  const live = new Set(existing?.liveContentIds ?? (existing ? existing.contentIds : []));
  if (input.run.kind === 'live') for (const id of input.contentIds) live.add(id);
  const dataLoss = [...(existing?.dataLoss ?? []), ...(input.dataLoss ?? [])];
  return {
    contentType: input.contentType,
    windowStart: existing?.windowStart ?? input.windowStart,
    windowEnd: existing?.windowEnd ?? input.windowEnd,
    // Once a window was processed it stays done; a later failed rewind run does not undo that.
    status: existing?.status === 'done' || input.run.status === 'done' ? 'done' : 'failed',
    contentIds: [...ids].sort(),
    liveContentIds: [...live].sort(),
    runs: runs.slice(-MAX_RUNS),
    ...(dataLoss.length ? { dataLoss } : {}),
  };
}

export async function recordWindow(input: RecordWindowInput): Promise<{ name: string; runs: number }> {
  const archive = await getArchive();
  const name = documentNames.ledger(input.contentType, input.windowStart);
  for (let attempt = 0; ; attempt++) {
    const current = await archive.readJson<LedgerEntry>(name);
    const merged = mergeLedgerEntry(current?.value, input);
    try {
      await archive.writeJson(name, merged, current?.etag ?? null);
      return { name, runs: merged.runs.length };
    } catch (e) {
      if (!(e instanceof ConcurrencyError) || attempt >= 5) throw e;
    }
  }
}

function utcDays(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS; d < toMs; d += DAY_MS) {
    days.push(new Date(d).toISOString().slice(0, 10));
  }
  return days;
}

/** Ledger entries of a content type whose window starts in [fromMs, toMs), in time order. */
export async function readLedger(
  archive: ArchiveStore,
  contentType: string,
  fromMs: number,
  toMs: number,
): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for (const day of utcDays(fromMs, toMs)) {
    const names = await archive.list(documentNames.ledgerPrefix(contentType, day));
    const docs = await Promise.all(names.map((n) => archive.readJson<LedgerEntry>(n)));
    for (const doc of docs) {
      if (!doc) continue;
      const start = Date.parse(doc.value.windowStart);
      if (start >= fromMs && start < toMs) entries.push(doc.value);
    }
  }
  return entries.sort((a, b) => Date.parse(a.windowStart) - Date.parse(b.windowStart));
}
