/**
 * The pipeline's domain model: the counters a window produces, the loop's checkpoint, the per-window ledger, data-loss
 * records, and the names under which the orchestrations run. Plain JSON shapes, because every one of them travels
 * through orchestration history or is stored as a document (docs/architecture.md, "Stored documents").
 */
import type { AirVerdict, PendingAlert } from '../alerts/types';
import type { AlertRow } from '../kusto/schema';
import type { LastWindow, WindowFailure } from './status';
import type { WindowSettings } from './windows';

/** Registered orchestrator names. Part of every stored history: never rename one. */
export const OrchestratorNames = {
  pipelineLoop: 'pipelineLoop',
  processWindow: 'processWindow',
  fetchBatch: 'fetchBatch',
  rewindRange: 'rewindRange',
} as const;

/** The live loop's instance id (one loop per deployment; per tenant see `loopIdFor`). */
export const PIPELINE_INSTANCE_ID = 'o365-pipeline';
/** External event that asks the loop to stop after its current window. */
export const STOP_EVENT = 'stop';

/** Cumulative counters shown in status; every field is a count. */
export interface WindowCounts {
  listed: number;
  /** Listed but skipped because the ledger holds the contentId (re-listing overlap, duplicate listings). */
  alreadyProcessed: number;
  /** Found by re-listing the overlap before the window: content listed late. */
  lateContent: number;
  fetched: number;
  recordsSeen: number;
  selectedRows: number;
  waitingAlerts: number;
  released: number;
  expiredAlerts: number;
  duplicateRecords: number;
  ingested: number;
  malformedBlobs: number;
  malformedRecords: number;
  /** Content that could not be fetched any more (AF20051 expired, AF20050/AF20052 not found): data loss. */
  expiredContent: number;
  missingContent: number;
  /** Time ranges a run recorded as no longer listable (a checkpoint older than retention). */
  dataLossRanges: number;
  /** Blobs newly parked in this run (fetch failed after the client's retries; kept and retried until expiry). */
  parkedBlobs: number;
  /** Parked blobs fetched successfully on a retry and ingested like any other. */
  recoveredBlobs: number;
  /** Parked blobs given up at their contentExpiration: data loss, each named in the data-loss list. */
  dataLossBlobs: number;
}

export function zeroCounts(): WindowCounts {
  return {
    listed: 0,
    alreadyProcessed: 0,
    lateContent: 0,
    fetched: 0,
    recordsSeen: 0,
    selectedRows: 0,
    waitingAlerts: 0,
    released: 0,
    expiredAlerts: 0,
    duplicateRecords: 0,
    ingested: 0,
    malformedBlobs: 0,
    malformedRecords: 0,
    expiredContent: 0,
    missingContent: 0,
    dataLossRanges: 0,
    parkedBlobs: 0,
    recoveredBlobs: 0,
    dataLossBlobs: 0,
  };
}

/** Adds `b` to `a`; counters missing from either side (older documents) count as zero. */
export function addCounts(a: WindowCounts, b: Partial<WindowCounts>): WindowCounts {
  const out = { ...zeroCounts(), ...a };
  for (const key of Object.keys(out) as (keyof WindowCounts)[]) out[key] += b[key] ?? 0;
  return out;
}

/** A time range whose content can no longer be listed or fetched; or (with contentId) one blob given up. */
export interface DataLossRange {
  from: string;
  to: string;
  reason: string;
  /** Set when one parked blob was given up at its expiration: from/to are then its contentCreated/contentExpiration. */
  contentId?: string;
}

/** The loop's durable position, kept in the archive (state/checkpoints/<loop>.json) and carried by continueAsNew. */
export interface Checkpoint {
  loopId: string;
  /** The tenant this position belongs to (absent in checkpoints written by single-tenant versions). */
  tenantId?: string;
  /** Start of the next window to process (ISO). Everything before it is archived and ingested. */
  nextStart: string;
  /** The first window's start: re-listing never reaches before it (content before it was not asked for). */
  origin: string;
  updatedAt: string;
  windowsDone: number;
  totals: WindowCounts;
  dataLoss: DataLossRange[];
}

export type RunKind = 'live' | 'rewind';

/** One processing of a window, as recorded in the ledger. */
export interface LedgerRun {
  instanceId: string;
  kind: RunKind;
  at: string;
  status: 'done' | 'failed';
  counts?: WindowCounts;
  error?: string;
  /** Attempt of the window (1 = first); absent in older entries. */
  attempt?: number;
  /** Orchestrator time per stage: subscribe, list, fetch, correlate, ingest (seconds). */
  stageSeconds?: Record<string, number>;
  /** How far the window's end was behind the orchestrator's now when the run ended. */
  lagMinutes?: number;
  /** Per-stage latency of the run, seconds: {stage: {p50, p95, max}} (see telemetry.ts). */
  latency?: Record<string, { p50: number; p95: number; max: number }>;
}

/**
 * Points in time of one window run for the per-stage latency (wall times, ISO; seconds for the lags), sampled so
 * the record stays small whatever the window's volume. Summarised into percentiles by the recording activity.
 */
export interface LatencySamples {
  /** Rows' CreationTime → their blob's contentCreated, in seconds. */
  creationLagSeconds: number[];
  /** Per blob: contentCreated and when it was fetched. */
  blobs: { contentCreated: string; fetchedAt: string }[];
  listedAt?: string;
  handedAt?: string;
  /** When a query first saw one of the handed rows (streaming mode: checked once, right after the hand-off). */
  queryableAt?: string;
}

/** state/ledger/<contentType>/<day>/<windowStart>.json */
export interface LedgerEntry {
  contentType: string;
  windowStart: string;
  windowEnd: string;
  status: 'done' | 'failed';
  /** Every contentId processed for this window, by any run. */
  contentIds: string[];
  /**
   * The contentIds live runs processed: the only ones later live re-listings may skip. A rewind's blobs fed the
   * rewind's own pending-alert store, so the live loop must still fetch them (rows already ingested are dropped by
   * Id). Absent in older entries: then `contentIds` stands in.
   */
  liveContentIds?: string[];
  runs: LedgerRun[];
  dataLoss?: DataLossRange[];
}

/** A run to fold into a window's ledger entry. */
export interface WindowRecord {
  /** Whose ledger; absent = the first configured tenant. */
  tenantId?: string;
  /** The loop or rewind that ran the window (telemetry's RunId); absent in older histories. */
  runId?: string;
  /** For the per-stage latency in telemetry; absent for failed runs and older histories. */
  latency?: LatencySamples;
  contentType: string;
  windowStart: string;
  windowEnd: string;
  run: LedgerRun;
  contentIds: string[];
  dataLoss?: DataLossRange[];
  /**
   * The live loop whose parked set this run retried: once the run is done (its rows ingested), the blobs it
   * recovered leave the set. Absent for rewinds and failed runs.
   */
  parkedLoopId?: string;
}

/** A content blob to fetch (the API's reference, without its expiration). */
export interface ContentToFetch {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  /** From the listing; absent in older histories (then contentCreated + 7 days). */
  contentExpiration?: string;
  /** A retry of a parked blob (taken from the parked set, not from this window's listing). */
  retry?: boolean;
  /** Why the listing reference cannot be trusted (impossible dates): parked without a fetch. */
  invalid?: string;
}

// Parked blobs -------------------------------------------------------------------------------------------------

/** How many parked blobs one window retries at most, before its own content, so a bad day cannot starve new content. */
export const MAX_PARKED_RETRIES_PER_WINDOW = 50;

/**
 * A blob whose fetch still failed after the client's retries, kept for retries until its contentExpiration
 * (state/parked/<loopId>/<contentType>.json holds one content type's set).
 */
export interface ParkedBlob {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  /** When the service deletes it; for a reference with impossible dates, the time it was listed + 7 days. */
  contentExpiration: string;
  attempts: number;
  firstParkedAt: string;
  lastAttemptAt: string;
  lastError: string;
  /** 'permanent' (wrong for this blob) or 'transient' (throttling, 5xx, timeouts that outlasted the client's retries). */
  kind: 'permanent' | 'transient';
  /** The window that parked it. */
  windowKey: string;
  /** Set by POST /api/pipeline/parked/retry: the next window takes it before any other parked blob. */
  retryRequestedAt?: string;
  /** The listing reference's dates are impossible: retries re-park it without a fetch until it is given up. */
  invalid?: string;
  /**
   * The window that fetched it successfully on a retry. It leaves the set only when that window is done (recorded),
   * so a window that fails after the fetch retries it again rather than losing it.
   */
  recoveredIn?: string;
}

/** A parked blob given up at its expiration: one entry per blob, whatever the retries of the window that gave it up. */
export interface LostBlob {
  contentType: string;
  contentId: string;
  contentCreated: string;
  contentExpiration: string;
  attempts: number;
  lastError: string;
  /** The window that gave it up (its retries report the same entry again instead of adding one). */
  windowKey: string;
  at: string;
}

/** What one blob selected: rows to ingest now, alerts waiting for their investigation, and AIR verdicts seen. */
export interface SelectionPayload {
  rows: AlertRow[];
  waitingAlerts: PendingAlert[];
  verdicts: AirVerdict[];
}

/** What correlating a window decided, as returned to the orchestrator and kept in the window's rows document. */
export interface CorrelationSummary {
  /** Archive document holding the rows to ingest (selected now + released). */
  rowsDocument: string;
  rowCount: number;
  selectedRows: number;
  released: number;
  expiredAlerts: number;
  /** Alert ids still waiting for their investigation after this window. */
  pendingAlerts: number;
}

// Orchestration inputs ---------------------------------------------------------------------------------------

export interface LoopSettings extends WindowSettings {
  contentTypes: string[];
  holdHours: number;
  /** First window start when no checkpoint exists (ISO); default one window before now − settle delay. */
  startFrom?: string;
  batchSize?: number;
}

/** The loop's input: the settings from the starter, and what one generation hands to the next. */
export interface PipelineLoopInput {
  loopId: string;
  /** Absent in loops started by single-tenant versions: then the first configured tenant. */
  tenantId?: string;
  settings: LoopSettings;
  checkpoint?: Checkpoint;
  attempt?: number;
  recentFailures?: WindowFailure[];
  lastWindow?: LastWindow;
  pendingAlerts?: number;
}

export interface RewindInput {
  /** Absent in rewinds started by single-tenant versions: then the first configured tenant. */
  tenantId?: string;
  /** The tenant's live loop, whose parked set takes the blobs the rewind cannot fetch (absent: the first loop's). */
  loopId?: string;
  from: string;
  to: string;
  contentTypes: string[];
  windowMinutes: number;
  holdHours: number;
  batchSize?: number;
  /** Attempts per window before the rewind gives up and fails (naming the window). */
  maxAttempts?: number;
}

export interface RewindStatus {
  from: string;
  to: string;
  state: 'running' | 'completed' | 'failed';
  windowsDone: number;
  windowsTotal: number;
  currentWindow?: string;
  totals: WindowCounts;
  lastError?: string;
}
