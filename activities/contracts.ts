/**
 * Activity names and their typed inputs and outputs: the contract between orchestrators (which may only pass plain
 * JSON) and activities (which do every side effect). Orchestrators import this module and nothing with I/O.
 */
import type { AlertRow } from '../src/kusto/schema';
import type { AirVerdict, PendingAlert } from '../src/alerts/types';

export const ActivityNames = {
  loadCheckpoint: 'loadCheckpoint',
  saveCheckpoint: 'saveCheckpoint',
  ensureSubscription: 'ensureSubscription',
  listContent: 'listContent',
  fetchContent: 'fetchContent',
  correlateWindow: 'correlateWindow',
  ingestWindow: 'ingestWindow',
  recordWindow: 'recordWindow',
} as const;

export const OrchestratorNames = {
  pipelineLoop: 'pipelineLoop',
  processWindow: 'processWindow',
  fetchBatch: 'fetchBatch',
  rewindRange: 'rewindRange',
} as const;

/** The singleton live loop. */
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

export function addCounts(a: WindowCounts, b: Partial<WindowCounts>): WindowCounts {
  const out = { ...a };
  for (const key of Object.keys(out) as (keyof WindowCounts)[]) out[key] += b[key] ?? 0;
  return out;
}

export interface DataLossRange {
  from: string;
  to: string;
  reason: string;
}

/** The loop's durable position, kept in the archive (state/checkpoints/<loop>.json) and carried by continueAsNew. */
export interface Checkpoint {
  loopId: string;
  /** Start of the next window to process (ISO). Everything before it is archived and ingested. */
  nextStart: string;
  /** The first window's start: re-listing never reaches before it (content before it was not asked for). */
  origin: string;
  updatedAt: string;
  windowsDone: number;
  totals: WindowCounts;
  dataLoss: DataLossRange[];
}

export interface LoadCheckpointInput {
  loopId: string;
}

export interface SaveCheckpointInput {
  checkpoint: Checkpoint;
}

export interface ListContentInput {
  contentType: string;
  /** Listing start (window start minus the re-list overlap). */
  listFrom: string;
  windowStart: string;
  windowEnd: string;
  /** Live windows skip contentIds the ledger already holds; rewinds re-fetch everything. */
  skipKnown: boolean;
}

/** A content blob to fetch (the API's reference, without its expiration). */
export interface ContentToFetch {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
}

export interface ListContentOutput {
  toFetch: ContentToFetch[];
  listed: number;
  alreadyProcessed: number;
  lateContent: number;
}

export interface FetchContentInput {
  content: ContentToFetch;
  /** Names the window (or rewind window) for provenance and pointer documents. */
  windowKey: string;
  windowStart: string;
  windowEnd: string;
}

/** What one blob selected, inline. */
export interface SelectionPayload {
  rows: AlertRow[];
  waitingAlerts: PendingAlert[];
  verdicts: AirVerdict[];
}

export interface FetchContentOutput {
  contentId: string;
  outcome: 'selected' | 'expired' | 'notFound' | 'malformed';
  recordsSeen: number;
  malformedRecords: number;
  /** Inline when small; otherwise `pointer` names an archive document holding the {@link SelectionPayload}. */
  selection?: SelectionPayload;
  pointer?: string;
  rowCount: number;
  waitingCount: number;
  verdictCount: number;
  reason?: string;
}

export interface FetchBatchInput {
  items: FetchContentInput[];
}

export interface CorrelateWindowInput {
  /** Whose pending store: the loop id, or a rewind's instance id (rewinds keep their own). */
  correlationId: string;
  windowKey: string;
  fetched: FetchContentOutput[];
  /** From the orchestrator's clock, so a virtual clock ages pending alerts consistently. */
  nowIso: string;
  holdHours: number;
}

export interface CorrelateWindowOutput {
  /** Archive document holding the rows to ingest (selected now + released). */
  rowsDocument: string;
  rowCount: number;
  selectedRows: number;
  released: number;
  expiredAlerts: number;
  /** Alert ids still waiting for their investigation after this window. */
  pendingAlerts: number;
}

export interface IngestWindowInput {
  rowsDocument: string;
}

export interface IngestWindowOutput {
  ingested: number;
  duplicateRecords: number;
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
   * Id). Absent in entries written before it was kept: then `contentIds` stands in.
   */
  liveContentIds?: string[];
  runs: LedgerRun[];
  dataLoss?: DataLossRange[];
}

export interface RecordWindowInput {
  contentType: string;
  windowStart: string;
  windowEnd: string;
  run: LedgerRun;
  contentIds: string[];
  dataLoss?: DataLossRange[];
}
