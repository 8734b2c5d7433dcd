/**
 * `PipelineState`: the one owner of every document the pipeline keeps in the archive container — checkpoints and stop
 * requests, the per-window ledger, pending-alert correlation state, window rows, large selections and the ids of
 * recently queued batches. Activities and HTTP routes call it; neither knows a blob name or an ETag.
 *
 * Every write is safe to repeat, because activities are retried and a host can die mid-window: documents whose content
 * is determined by their name are simply replaced; documents that accumulate (checkpoint, ledger, correlation) are
 * written with ETag conditions and re-read on a lost race. Layout: docs/architecture.md, "Stored documents".
 */
import { DateTime } from 'luxon';
import type { CorrelationState } from '../alerts';
import { ConcurrencyError, documentNames, type ArchiveStore, type ContentRef } from '../archive';
import type { AlertRow } from '../kusto/schema';
import type {
  Checkpoint,
  CorrelationSummary,
  LedgerEntry,
  LedgerRun,
  SelectionPayload,
  WindowRecord,
} from './model';
import { DAY_MS, HOUR_MS } from './windows';

/** A stop request kept beside the checkpoint (state/checkpoints/<loop>-stop.json); null once a start cleared it. */
interface StopRequestDocument {
  requestedAt: string | null;
}

/** What saving a checkpoint returns: the stored checkpoint and whether a stop was asked for meanwhile. */
export type SavedCheckpoint = Checkpoint & { stopRequested: boolean };

/** Pending alerts and known AIR verdicts of one loop or rewind (state/correlation/<id>.json). */
export interface CorrelationDocument {
  state: CorrelationState;
  /** Window keys already folded in (newest last, bounded). */
  appliedWindows: string[];
}

/** The rows a window decided to ingest, with what was decided (selections/<windowKey>/_window-rows.json). */
export interface WindowRowsDocument {
  rows: AlertRow[];
  summary: CorrelationSummary;
  /** AlertIds whose hold expired in this window without a processed investigation (reported, never silent). */
  expiredAlertIds: string[];
  /** The blobs folded in so far; absent in older documents (treated as complete). */
  contentIds?: string[];
}

interface QueuedBatchDocument {
  ids: string[];
  at: string;
}

const MAX_LEDGER_RUNS = 20;
const MAX_CONCURRENT_WRITE_ATTEMPTS = 5;
const QUEUED_PREFIX = 'state/ingested/';
const LOOP_REGISTRY = 'state/loops.json';

/** state/loops.json: what the operator asked for, so a restart with a changed tenant list can follow it. */
export interface LoopRegistry {
  started: boolean;
  /** Tenant ids whose loops were started. */
  tenants: string[];
  /** Tenant ids whose loops an operator stopped on their own (the reconcile timer leaves them stopped). */
  stopped?: string[];
}

/** Folds a run into an entry. Re-recording the same run (an activity retry) replaces it instead of adding one. */
export function mergeLedgerEntry(existing: LedgerEntry | undefined, input: WindowRecord): LedgerEntry {
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
    runs: runs.slice(-MAX_LEDGER_RUNS),
    ...(dataLoss.length ? { dataLoss } : {}),
  };
}

export function windowRowsName(windowKey: string): string {
  return documentNames.selection(windowKey, '_window-rows');
}

function hourPrefix(ms: number): string {
  return `${QUEUED_PREFIX}${DateTime.fromMillis(ms, { zone: 'utc' }).toFormat("yyyy-MM-dd'T'HH")}/`;
}

/** state/ingested/<UTC hour>/<tag>.json */
export function queuedBatchName(tag: string, atMs: number): string {
  return `${hourPrefix(atMs)}${tag}.json`;
}

function utcDays(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS; d < toMs; d += DAY_MS) {
    days.push(DateTime.fromMillis(d, { zone: 'utc' }).toISODate() ?? '');
  }
  return days;
}

export class PipelineState {
  /**
   * @param ledgerScope whose ledger this state reads and writes: '' for the first tenant (the single-tenant layout),
   * the tenant id for any other (see tenants.ts). Checkpoints and correlation documents are named by loop or rewind
   * id, which already differ per tenant.
   */
  constructor(
    readonly archive: ArchiveStore,
    readonly ledgerScope = '',
  ) {}

  /** Writes a document whose content is determined by its name, so a repeat may replace an earlier attempt's. */
  private async put<T>(name: string, value: T): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.archive.readJson<unknown>(name);
      try {
        await this.archive.writeJson(name, value, current?.etag ?? null);
        return;
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= MAX_CONCURRENT_WRITE_ATTEMPTS) throw e;
      }
    }
  }

  /** Reads a document that must exist (written earlier in the same window). */
  async read<T>(name: string): Promise<T> {
    const doc = await this.archive.readJson<T>(name);
    if (!doc) throw new Error(`archive document ${name} is missing`);
    return doc.value;
  }

  // Raw content -----------------------------------------------------------------------------------------------

  /** Archives a content blob as fetched (write-once by contentId). */
  archiveRaw(content: ContentRef, text: string): Promise<{ name: string; created: boolean }> {
    return this.archive.putRawContent(content, text);
  }

  /** Keeps malformed content out of the pipeline but within reach, with the reason. */
  quarantine(content: ContentRef, text: string, reason: string): Promise<string> {
    return this.archive.putQuarantine(content, text, reason);
  }

  // Checkpoint and stop request --------------------------------------------------------------------------------

  async loadCheckpoint(loopId: string): Promise<Checkpoint | null> {
    return (await this.archive.readJson<Checkpoint>(documentNames.checkpoint(loopId)))?.value ?? null;
  }

  /**
   * Idempotent and monotonic: a retried or replayed save never moves a stored checkpoint backwards (a stale writer
   * loses against a newer one). Also reports a stored stop request: the `stop` event alone can be dropped when it
   * arrives while a generation is not listening (continueAsNew discards it), the document survives that.
   */
  async saveCheckpoint(checkpoint: Checkpoint): Promise<SavedCheckpoint> {
    const name = documentNames.checkpoint(checkpoint.loopId);
    const stopRequested = await this.isStopRequested(checkpoint.loopId);
    for (let attempt = 1; ; attempt++) {
      const current = await this.archive.readJson<Checkpoint>(name);
      if (current && Date.parse(current.value.nextStart) > Date.parse(checkpoint.nextStart)) {
        return { ...current.value, stopRequested };
      }
      try {
        await this.archive.writeJson(name, checkpoint, current?.etag ?? null);
        return { ...checkpoint, stopRequested };
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= MAX_CONCURRENT_WRITE_ATTEMPTS) throw e;
      }
    }
  }

  /** Records (ISO time) or clears (null, when a loop is started) a request to stop the loop. */
  async requestStop(loopId: string, at: string | null): Promise<void> {
    await this.put<StopRequestDocument>(documentNames.checkpoint(`${loopId}-stop`), { requestedAt: at });
  }

  async isStopRequested(loopId: string): Promise<boolean> {
    const doc = await this.archive.readJson<StopRequestDocument>(documentNames.checkpoint(`${loopId}-stop`));
    return typeof doc?.value.requestedAt === 'string';
  }

  // Ledger -----------------------------------------------------------------------------------------------------

  /** Folds one run of a window into its ledger entry (state/ledger/<contentType>/<day>/<windowStart>.json). */
  async recordWindow(record: WindowRecord): Promise<{ name: string; runs: number }> {
    const name = documentNames.ledger(record.contentType, record.windowStart, this.ledgerScope);
    for (let attempt = 1; ; attempt++) {
      const current = await this.archive.readJson<LedgerEntry>(name);
      const merged = mergeLedgerEntry(current?.value, record);
      try {
        await this.archive.writeJson(name, merged, current?.etag ?? null);
        return { name, runs: merged.runs.length };
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= MAX_CONCURRENT_WRITE_ATTEMPTS) throw e;
      }
    }
  }

  /** Ledger entries of a content type whose window starts in [fromMs, toMs), in time order. */
  async readLedger(contentType: string, fromMs: number, toMs: number): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for (const day of utcDays(fromMs, toMs)) {
      const names = await this.archive.list(documentNames.ledgerPrefix(contentType, day, this.ledgerScope));
      const docs = await Promise.all(names.map((n) => this.archive.readJson<LedgerEntry>(n)));
      for (const doc of docs) {
        if (!doc) continue;
        const start = Date.parse(doc.value.windowStart);
        if (start >= fromMs && start < toMs) entries.push(doc.value);
      }
    }
    return entries.sort((a, b) => Date.parse(a.windowStart) - Date.parse(b.windowStart));
  }

  /**
   * ContentIds that live runs processed in windows starting in [fromMs, toMs): the blobs a live re-listing may skip.
   * A rewind's blobs fed the rewind's own pending-alert store, so they do not count.
   */
  async liveContentIds(contentType: string, fromMs: number, toMs: number): Promise<Set<string>> {
    const known = new Set<string>();
    for (const entry of await this.readLedger(contentType, fromMs, toMs)) {
      for (const id of entry.liveContentIds ?? entry.contentIds) known.add(id);
    }
    return known;
  }

  // Selections, correlation and window rows --------------------------------------------------------------------

  /** Stores a selection too large for orchestration history; returns the pointer the orchestrator carries. */
  async putSelection(windowKey: string, contentId: string, payload: SelectionPayload): Promise<string> {
    const name = documentNames.selection(windowKey, contentId);
    await this.put(name, payload);
    return name;
  }

  readSelection(pointer: string): Promise<SelectionPayload> {
    return this.read<SelectionPayload>(pointer);
  }

  async readCorrelation(id: string): Promise<{ value: CorrelationDocument; etag: string } | undefined> {
    return this.archive.readJson<CorrelationDocument>(documentNames.correlation(id));
  }

  /** Throws ConcurrencyError when the document changed since `etag` was read (null: must not exist yet). */
  async writeCorrelation(id: string, doc: CorrelationDocument, etag: string | null): Promise<void> {
    await this.archive.writeJson(documentNames.correlation(id), doc, etag);
  }

  readWindowRows(windowKey: string): Promise<WindowRowsDocument> {
    return this.read<WindowRowsDocument>(windowRowsName(windowKey));
  }

  readWindowRowsAt(name: string): Promise<WindowRowsDocument> {
    return this.read<WindowRowsDocument>(name);
  }

  async putWindowRows(windowKey: string, doc: WindowRowsDocument): Promise<string> {
    const name = windowRowsName(windowKey);
    await this.put(name, doc);
    return name;
  }

  // Desired loops ----------------------------------------------------------------------------------------------

  /** Whether an operator started the pipeline (and not stopped it), and which tenants' loops were started. */
  async readLoopRegistry(): Promise<LoopRegistry> {
    return (
      (await this.archive.readJson<LoopRegistry>(LOOP_REGISTRY))?.value ?? { started: false, tenants: [] }
    );
  }

  async writeLoopRegistry(registry: LoopRegistry): Promise<void> {
    await this.put(LOOP_REGISTRY, registry);
  }

  // Recently queued batches ------------------------------------------------------------------------------------
  //
  // Queued rows become queryable only after the cluster's batching (minutes), so the table's Id check cannot see
  // them yet, and the ingest-by tag stops only a batch with exactly the same rows. A rewind started right after a
  // live window builds that window's rows from its own pending store — often a different set — and would ingest
  // them again. Ingestion therefore also drops the Ids of batches queued in the current and previous UTC hour.
  // Wall time, because the cluster batches in wall time.

  /** Written only after a batch was handed to the cluster, so a failed ingestion never hides its rows from a retry. */
  async recordQueuedBatch(tag: string, ids: string[], atMs: number): Promise<void> {
    await this.put<QueuedBatchDocument>(queuedBatchName(tag, atMs), {
      ids,
      at: DateTime.fromMillis(atMs, { zone: 'utc' }).toISO() ?? '',
    });
  }

  /** Ids of queued batches recorded in this UTC hour and the previous one (well beyond any batching delay). */
  async recentlyQueuedIds(nowMs: number): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const prefix of [hourPrefix(nowMs - HOUR_MS), hourPrefix(nowMs)]) {
      const names = await this.archive.list(prefix);
      const docs = await Promise.all(names.map((n) => this.archive.readJson<QueuedBatchDocument>(n)));
      for (const doc of docs) for (const id of doc?.value.ids ?? []) ids.add(id);
    }
    return ids;
  }

  /** Deletes queued-batch documents of hours before the previous one (never read again). Returns how many. */
  async pruneQueuedBatches(nowMs: number): Promise<number> {
    const keepFrom = hourPrefix(nowMs - HOUR_MS);
    const stale = (await this.archive.list(QUEUED_PREFIX)).filter((name) => name < keepFrom);
    await Promise.all(stale.map((name) => this.archive.deleteDocument(name)));
    return stale.length;
  }
}
