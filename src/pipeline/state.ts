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
import { ConcurrencyError, documentNames, nameSegment, type ArchiveStore, type ContentRef } from '../archive';
import type { AlertRow } from '../kusto/schema';
import type {
  Checkpoint,
  CorrelationSummary,
  ContentToFetch,
  DataLossRange,
  LedgerEntry,
  LedgerRun,
  LostBlob,
  ParkedBlob,
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

/** One content type's parked blobs of one loop, and the blobs given up at expiry (state/parked/<loop>/<type>.json). */
export interface ParkedSetDocument {
  contentType: string;
  blobs: ParkedBlob[];
  /** Given-up blobs, newest last (bounded): the data-loss list names them. */
  lost: LostBlob[];
}

/** A queued batch whose outcome the cluster reports later (state/ingestions/<sourceId>.json). */
export interface IngestionBatch {
  sourceId: string;
  tag: string;
  rowsDocument: string;
  ids: string[];
  windowKey: string;
  queuedAt: string;
  status: 'pending' | 'succeeded' | 'failed';
  /** The recently-queued-ids document holding this batch's Ids (removed when the batch fails for good). */
  queuedDocument?: string;
  /** Times the batch was sent (1 = the window's own ingestion; more = re-sent after a transient failure). */
  sends: number;
  reportedAt?: string;
  /** The service's error of the last failure: code, then details. */
  error?: string;
  errorCode?: string;
  /** True when the cluster said the failure is permanent (re-sending the same rows fails the same way). */
  permanent?: boolean;
  /** Succeeded because a rewind landed its rows under another batch (no report of its own to time it by). */
  resolved?: boolean;
}

const MAX_LEDGER_RUNS = 20;
const MAX_LOST_BLOBS = 500;
const PARKED_PREFIX = 'state/parked/';
const INGESTIONS_PREFIX = 'state/ingestions/';
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
  // A re-recorded run (activity retry) brings the same entries again: keep one of each.
  const dataLoss: DataLossRange[] = [];
  const seenLoss = new Set<string>();
  for (const d of [...(existing?.dataLoss ?? []), ...(input.dataLoss ?? [])]) {
    const key = `${d.contentId ?? ''}|${d.from}|${d.to}|${d.reason}`;
    if (seenLoss.has(key)) continue;
    seenLoss.add(key);
    dataLoss.push(d);
  }
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

export function parkedSetName(loopId: string, contentType: string): string {
  return `${PARKED_PREFIX}${nameSegment(loopId)}/${nameSegment(contentType)}.json`;
}

export function ingestionBatchName(sourceId: string): string {
  return `${INGESTIONS_PREFIX}${nameSegment(sourceId)}.json`;
}

function emptyParkedSet(contentType: string): ParkedSetDocument {
  return { contentType, blobs: [], lost: [] };
}

/** What parking one failed fetch does to a set: a new entry, or one more attempt of an existing one. */
export interface ParkRequest {
  content: ContentToFetch;
  /** The blob's give-up time (its contentExpiration, or listed time + 7 days for a reference with bad dates). */
  contentExpiration: string;
  error: string;
  kind: ParkedBlob['kind'];
  windowKey: string;
  atIso: string;
}

/**
 * Parks a blob (pure; the set is replaced by the result). A blob already given up stays given up: a late failure of
 * it (a rewind of its window) must not bring it back, nor add a second data-loss entry.
 */
export function parkInSet(
  doc: ParkedSetDocument,
  req: ParkRequest,
): { doc: ParkedSetDocument; outcome: 'parked' | 'attempted' | 'lost' } {
  const id = req.content.contentId;
  if (doc.lost.some((l) => l.contentId === id)) return { doc, outcome: 'lost' };
  const existing = doc.blobs.find((b) => b.contentId === id);
  if (existing) {
    const updated: ParkedBlob = {
      ...existing,
      attempts: existing.attempts + 1,
      lastAttemptAt: req.atIso,
      lastError: req.error,
      kind: req.kind,
    };
    delete updated.retryRequestedAt;
    delete updated.recoveredIn;
    return {
      doc: { ...doc, blobs: doc.blobs.map((b) => (b.contentId === id ? updated : b)) },
      outcome: 'attempted',
    };
  }
  const entry: ParkedBlob = {
    contentType: req.content.contentType,
    contentId: id,
    contentUri: req.content.contentUri,
    contentCreated: req.content.contentCreated,
    contentExpiration: req.contentExpiration,
    attempts: 1,
    firstParkedAt: req.atIso,
    lastAttemptAt: req.atIso,
    lastError: req.error,
    kind: req.kind,
    windowKey: req.windowKey,
    ...(req.content.invalid !== undefined ? { invalid: req.content.invalid } : {}),
  };
  return { doc: { ...doc, blobs: [...doc.blobs, entry] }, outcome: 'parked' };
}

/** Recovered in a window not yet done first (that window's retry must fold it in again), then operator requests. */
function priority(blob: ParkedBlob): number {
  return blob.recoveredIn !== undefined ? 2 : blob.retryRequestedAt !== undefined ? 1 : 0;
}

/** Expiration time in ms; an unparseable one counts as already expired (nothing computed from it can be trusted). */
function expiryMs(blob: Pick<ParkedBlob, 'contentExpiration'>): number {
  const ms = Date.parse(blob.contentExpiration);
  return Number.isFinite(ms) ? ms : -Infinity;
}

/**
 * Gives up the blobs whose expiration has passed (moved to `lost`, recording `windowKey`) and picks the blobs to
 * retry now: those recovered by a window not yet done, then those an operator asked for, then nearest expiration
 * first, at most `max`. Pure and idempotent:
 * a repeat with the same `windowKey` gives up nothing new and reports the same given-up entries.
 */
export function takeDueFromSet(
  doc: ParkedSetDocument,
  nowMs: number,
  windowKey: string,
  max: number,
  atIso: string,
): { doc: ParkedSetDocument; due: ParkedBlob[]; givenUp: LostBlob[] } {
  const keep: ParkedBlob[] = [];
  const newlyLost: LostBlob[] = [];
  for (const blob of doc.blobs) {
    if (expiryMs(blob) > nowMs) {
      keep.push(blob);
      continue;
    }
    newlyLost.push({
      contentType: blob.contentType,
      contentId: blob.contentId,
      contentCreated: blob.contentCreated,
      contentExpiration: blob.contentExpiration,
      attempts: blob.attempts,
      lastError: blob.lastError,
      windowKey,
      at: atIso,
    });
  }
  const lost = [...doc.lost, ...newlyLost].slice(-MAX_LOST_BLOBS);
  const due = [...keep]
    .sort(
      (a, b) =>
        priority(b) - priority(a) || expiryMs(a) - expiryMs(b) || a.contentId.localeCompare(b.contentId),
    )
    .slice(0, Math.max(0, max));
  return {
    doc: { ...doc, blobs: keep, lost },
    due,
    givenUp: lost.filter((l) => l.windowKey === windowKey),
  };
}

/** Summary of parked sets for status: count, oldest, next expiry and the blobs nearest expiry first. */
export function summarizeParked(docs: ParkedSetDocument[], nowMs: number, maxListed = 50) {
  const blobs = docs.flatMap((d) => d.blobs).sort((a, b) => expiryMs(a) - expiryMs(b));
  const created = blobs.map((b) => b.contentCreated).filter((c) => Number.isFinite(Date.parse(c)));
  const oldestCreated = created.sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  const next = blobs[0];
  return {
    count: blobs.length,
    ...(oldestCreated ? { oldestCreated } : {}),
    ...(next
      ? {
          nextExpiry: next.contentExpiration,
          hoursToNextExpiry: Math.round(((expiryMs(next) - nowMs) / HOUR_MS) * 10) / 10,
        }
      : {}),
    blobs: blobs.slice(0, maxListed).map((b) => ({
      contentType: b.contentType,
      contentId: b.contentId,
      contentCreated: b.contentCreated,
      contentExpiration: b.contentExpiration,
      attempts: b.attempts,
      firstParkedAt: b.firstParkedAt,
      lastAttemptAt: b.lastAttemptAt,
      lastError: b.lastError,
      kind: b.kind,
      ...(b.retryRequestedAt ? { retryRequestedAt: b.retryRequestedAt } : {}),
    })),
  };
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
    if (record.parkedLoopId && record.run.status === 'done') {
      await this.settleRecovered(record.parkedLoopId, record.contentType, record.contentIds);
    }
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

  /** Read-modify-write of one document under its ETag, re-read on a lost race. */
  private async update<T, R>(
    name: string,
    change: (current: T | undefined) => { value: T; result: R } | { value?: undefined; result: R },
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.archive.readJson<T>(name);
      const next = change(current?.value);
      if (next.value === undefined) return next.result;
      try {
        await this.archive.writeJson(name, next.value, current?.etag ?? null);
        return next.result;
      } catch (e) {
        if (!(e instanceof ConcurrencyError) || attempt >= MAX_CONCURRENT_WRITE_ATTEMPTS) throw e;
      }
    }
  }

  // Parked blobs -----------------------------------------------------------------------------------------------
  //
  // One set per live loop and content type. A rewind parks into its live loop's set: the live loop is what retries
  // parked blobs (and folds a recovered blob into its own pending-alert store), so a rewind never removes an entry.

  async readParkedSet(loopId: string, contentType: string): Promise<ParkedSetDocument> {
    const doc = await this.archive.readJson<ParkedSetDocument>(parkedSetName(loopId, contentType));
    return doc?.value ?? emptyParkedSet(contentType);
  }

  /** Parks a blob or records one more failed attempt of a parked one; 'lost' when it was given up already. */
  parkBlob(loopId: string, req: ParkRequest): Promise<'parked' | 'attempted' | 'lost'> {
    return this.update<ParkedSetDocument, 'parked' | 'attempted' | 'lost'>(
      parkedSetName(loopId, req.content.contentType),
      (current) => {
        const { doc, outcome } = parkInSet(current ?? emptyParkedSet(req.content.contentType), req);
        return outcome === 'lost' ? { result: outcome } : { value: doc, result: outcome };
      },
    );
  }

  /**
   * Notes that a retry of a parked blob succeeded in `windowKey`; true when it was parked. The entry stays until that
   * window is recorded done ({@link recordWindow} with `parkedLoopId`).
   */
  markRecovered(loopId: string, contentType: string, contentId: string, windowKey: string): Promise<boolean> {
    return this.update<ParkedSetDocument, boolean>(parkedSetName(loopId, contentType), (current) => {
      const entry = current?.blobs.find((b) => b.contentId === contentId);
      if (!current || !entry) return { result: false };
      if (entry.recoveredIn === windowKey) return { result: true };
      return {
        value: {
          ...current,
          blobs: current.blobs.map((b) => (b.contentId === contentId ? { ...b, recoveredIn: windowKey } : b)),
        },
        result: true,
      };
    });
  }

  /** Removes the blobs recovered by a window now done. Returns how many left the set. */
  async settleRecovered(loopId: string, contentType: string, contentIds: string[]): Promise<number> {
    const ids = new Set(contentIds);
    return this.update<ParkedSetDocument, number>(parkedSetName(loopId, contentType), (current) => {
      const keep = current?.blobs.filter((b) => !(b.recoveredIn !== undefined && ids.has(b.contentId)));
      if (!current || !keep || keep.length === current.blobs.length) return { result: 0 };
      return { value: { ...current, blobs: keep }, result: current.blobs.length - keep.length };
    });
  }

  /**
   * Gives up one parked blob now (the service answered that it expired or is gone): moved to `lost` with the error,
   * so the data-loss list names it. True when it was parked (a repeat finds it lost already and returns false).
   */
  giveUpParked(
    loopId: string,
    contentType: string,
    contentId: string,
    error: string,
    windowKey: string,
    atIso: string,
  ): Promise<boolean> {
    return this.update<ParkedSetDocument, boolean>(parkedSetName(loopId, contentType), (current) => {
      const blob = current?.blobs.find((b) => b.contentId === contentId);
      if (!current || !blob) return { result: false };
      const lost: LostBlob = {
        contentType,
        contentId,
        contentCreated: blob.contentCreated,
        contentExpiration: blob.contentExpiration,
        attempts: blob.attempts + 1,
        lastError: error,
        windowKey,
        at: atIso,
      };
      return {
        value: {
          ...current,
          blobs: current.blobs.filter((b) => b.contentId !== contentId),
          lost: [...current.lost, lost].slice(-MAX_LOST_BLOBS),
        },
        result: true,
      };
    });
  }

  /** Removes a blob from the set; true when it was parked. */
  unparkBlob(loopId: string, contentType: string, contentId: string): Promise<boolean> {
    return this.update<ParkedSetDocument, boolean>(parkedSetName(loopId, contentType), (current) => {
      if (!current?.blobs.some((b) => b.contentId === contentId)) return { result: false };
      return {
        value: { ...current, blobs: current.blobs.filter((b) => b.contentId !== contentId) },
        result: true,
      };
    });
  }

  /** Gives up expired parked blobs and returns the ones to retry in this window ({@link takeDueFromSet}). */
  takeDueParked(
    loopId: string,
    contentType: string,
    nowMs: number,
    windowKey: string,
    max: number,
  ): Promise<{ due: ParkedBlob[]; givenUp: LostBlob[] }> {
    const atIso = DateTime.fromMillis(nowMs, { zone: 'utc' }).toISO() ?? '';
    return this.update<ParkedSetDocument, { due: ParkedBlob[]; givenUp: LostBlob[] }>(
      parkedSetName(loopId, contentType),
      (current) => {
        if (!current) return { result: { due: [], givenUp: [] } };
        const { doc, due, givenUp } = takeDueFromSet(current, nowMs, windowKey, max, atIso);
        const changed = doc.lost.length !== current.lost.length || doc.blobs.length !== current.blobs.length;
        return changed ? { value: doc, result: { due, givenUp } } : { result: { due, givenUp } };
      },
    );
  }

  /** Every parked set of a loop, one per content type that ever parked a blob. */
  async parkedSets(loopId: string): Promise<ParkedSetDocument[]> {
    const names = await this.archive.list(`${PARKED_PREFIX}${nameSegment(loopId)}/`);
    const docs = await Promise.all(names.map((n) => this.archive.readJson<ParkedSetDocument>(n)));
    return docs.flatMap((d) => (d ? [d.value] : []));
  }

  /**
   * Marks parked blobs (all, one content type's, or the given contentIds) to be retried by the next window before
   * any other parked blob. Returns the contentIds marked.
   */
  async requestParkedRetry(
    loopId: string,
    filter: { contentType?: string; contentIds?: string[] },
    atIso: string,
  ): Promise<string[]> {
    const wanted = filter.contentIds ? new Set(filter.contentIds) : undefined;
    const marked: string[] = [];
    for (const set of await this.parkedSets(loopId)) {
      if (filter.contentType && set.contentType !== filter.contentType) continue;
      marked.push(
        ...(await this.update<ParkedSetDocument, string[]>(
          parkedSetName(loopId, set.contentType),
          (current) => {
            if (!current) return { result: [] };
            const ids: string[] = [];
            const blobs = current.blobs.map((b) => {
              if (wanted && !wanted.has(b.contentId)) return b;
              ids.push(b.contentId);
              return { ...b, retryRequestedAt: atIso };
            });
            return ids.length ? { value: { ...current, blobs }, result: ids } : { result: ids };
          },
        )),
      );
    }
    return marked;
  }

  // Queued ingestion batches awaiting the cluster's report ----------------------------------------------------

  async recordIngestionBatch(batch: IngestionBatch): Promise<void> {
    await this.put(ingestionBatchName(batch.sourceId), batch);
  }

  async readIngestionBatch(sourceId: string): Promise<IngestionBatch | undefined> {
    return (await this.archive.readJson<IngestionBatch>(ingestionBatchName(sourceId)))?.value;
  }

  /** Applies `change` to a batch document under its ETag; undefined when the batch is not known. */
  updateIngestionBatch(
    sourceId: string,
    change: (batch: IngestionBatch) => IngestionBatch,
  ): Promise<IngestionBatch | undefined> {
    return this.update<IngestionBatch, IngestionBatch | undefined>(
      ingestionBatchName(sourceId),
      (current) => {
        if (!current) return { result: undefined };
        const next = change(current);
        return { value: next, result: next };
      },
    );
  }

  async ingestionBatches(): Promise<IngestionBatch[]> {
    const names = await this.archive.list(INGESTIONS_PREFIX);
    const docs = await Promise.all(names.map((n) => this.archive.readJson<IngestionBatch>(n)));
    return docs.flatMap((d) => (d ? [d.value] : []));
  }

  /** Deletes succeeded batch documents reported before `beforeMs` (their rows are in the table). Returns how many. */
  async pruneIngestionBatches(beforeMs: number): Promise<number> {
    const stale = (await this.ingestionBatches()).filter(
      (b) => b.status === 'succeeded' && Date.parse(b.reportedAt ?? b.queuedAt) < beforeMs,
    );
    await Promise.all(stale.map((b) => this.archive.deleteDocument(ingestionBatchName(b.sourceId))));
    return stale.length;
  }

  /**
   * Forgets a batch's Ids in the recently-queued cache: after a permanent failure they are not in the table, and a
   * rewind must be able to send them again.
   */
  async forgetQueuedBatch(queuedDocument: string): Promise<void> {
    if (!queuedDocument.startsWith(QUEUED_PREFIX))
      throw new Error(`${queuedDocument} is not a queued-batch document`);
    await this.archive.deleteDocument(queuedDocument);
  }
}
