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
  };
}

/** Adds `b` to `a`; counters missing from either side (older documents) count as zero. */
export function addCounts(a: WindowCounts, b: Partial<WindowCounts>): WindowCounts {
  const out = { ...zeroCounts(), ...a };
  for (const key of Object.keys(out) as (keyof WindowCounts)[]) out[key] += b[key] ?? 0;
  return out;
}

/** A time range whose content can no longer be listed or fetched. */
export interface DataLossRange {
  from: string;
  to: string;
  reason: string;
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
  contentType: string;
  windowStart: string;
  windowEnd: string;
  run: LedgerRun;
  contentIds: string[];
  dataLoss?: DataLossRange[];
}

/** A content blob to fetch (the API's reference, without its expiration). */
export interface ContentToFetch {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
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
