/**
 * Verified ingestion: every minute, drains the cluster's ingestion reports and settles the queued batches that
 * ingestWindow recorded (state/ingestions/<sourceId>.json).
 *
 * - Succeeded → the batch is `succeeded` (its document is pruned a day later).
 * - Failed, not permanent (transient, exhausted) → re-sent from its rows document with the same tag, at most
 *   MAX_SENDS times in all; then treated as failed.
 * - Failed, permanent (the row does not fit the mapping, a column changed type, an unreadable payload) → `failed`
 *   with the service's error; its Ids leave the recently-queued cache so a rewind of the window sends them again
 *   (the table's Id check does not see them). Status, /windows and the data-loss list show it with its rows
 *   document, its Ids and the error.
 * A batch still pending PENDING_OVERDUE after it was queued is shown as overdue in status.
 *
 * Reports are popped from the service's queues as they are read, so each is recorded before anything else is done.
 * Reports of batches this app did not record (the telemetry table's, another deployment's) are left alone.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import { Duration } from 'luxon';
import type { AlertRow } from '../kusto/schema';
import type { IngestionBatch, PipelineState } from '../pipeline/state';
import { percentiles } from '../pipeline/telemetry';
import { isoOf } from '../pipeline/windows';
import { getKustoSink, getState } from '../runtime';

export const VERIFY_INGESTIONS_SCHEDULE = '0 */1 * * * *';
/** Sends of one batch in all (the window's own, then re-sends after transient failures). */
export const MAX_SENDS = 3;
/** A pending batch without a report after this long is shown as overdue. */
export const PENDING_OVERDUE = Duration.fromObject({ minutes: 30 });
/** Succeeded batch documents are kept this long after their report, then deleted. */
const KEEP_SUCCEEDED = Duration.fromObject({ days: 1 });

/** One outcome the cluster reported (the kusto sink's IngestionReport, the fields read here). */
export interface IngestionReportLike {
  sourceId: string;
  status: 'Succeeded' | 'Failed';
  permanent: boolean;
  errorCode?: string;
  details?: string;
  at: string;
}

/** The sink operations verification needs. */
export interface ReportingSink {
  drainIngestionReports?(max?: number): Promise<IngestionReportLike[]>;
  ingestRows(rows: AlertRow[], tag: string): Promise<{ mode: string; rows: number }>;
  /** Record Ids already queryable in the table (resolves a failed batch whose rows a rewind landed). */
  existingIds?(ids: string[]): Promise<Set<string>>;
}

export interface VerifySummary {
  reports: number;
  succeeded: number;
  failed: number;
  resent: number;
  /** Reports of batches this app did not record (e.g. telemetry). */
  unknown: number;
  /** Failed batches whose rows are all in the table now (a rewind sent them again). */
  resolved: number;
  pruned: number;
}

function errorOf(report: IngestionReportLike): string {
  return (
    [report.errorCode, report.details].filter(Boolean).join(': ') || 'ingestion failed (no details reported)'
  );
}

export async function verifyIngestions(
  state: PipelineState,
  sink: ReportingSink,
  nowMs: number,
): Promise<VerifySummary> {
  const summary: VerifySummary = {
    reports: 0,
    succeeded: 0,
    failed: 0,
    resent: 0,
    unknown: 0,
    resolved: 0,
    pruned: 0,
  };
  if (!sink.drainIngestionReports) return summary;
  const reports = await sink.drainIngestionReports();
  summary.reports = reports.length;
  for (const report of reports) {
    const batch = await state.readIngestionBatch(report.sourceId);
    if (!batch) {
      summary.unknown++;
      continue;
    }
    await settleBatch(state, sink, batch, report, summary);
  }
  summary.resolved = await resolveLanded(state, sink, nowMs);
  summary.pruned = await state.pruneIngestionBatches(nowMs - KEEP_SUCCEEDED.toMillis());
  return summary;
}

/** Failed batches checked per run: a long list of failures costs a few queries a minute, not one per batch. */
const MAX_RESOLVE_CHECKS = 20;

/**
 * A failed batch stays reported until its rows are in the table: a rewind with the same rows replaces its document
 * (same tag, same source id); a rewind whose rows differ lands them under another batch, found here by Id.
 */
async function resolveLanded(state: PipelineState, sink: ReportingSink, nowMs: number): Promise<number> {
  if (!sink.existingIds) return 0;
  const failed = (await state.ingestionBatches())
    .filter((b) => b.status === 'failed')
    .slice(0, MAX_RESOLVE_CHECKS);
  let resolved = 0;
  for (const batch of failed) {
    const present = await sink.existingIds(batch.ids);
    if (!batch.ids.every((id) => present.has(id))) continue;
    await state.updateIngestionBatch(batch.sourceId, (b) => ({
      ...b,
      status: 'succeeded',
      reportedAt: isoOf(nowMs),
      resolved: true,
      error: `${b.error ?? ''} (resolved: every row is in the table now)`,
    }));
    resolved++;
  }
  return resolved;
}

async function settleBatch(
  state: PipelineState,
  sink: ReportingSink,
  batch: IngestionBatch,
  report: IngestionReportLike,
  summary: VerifySummary,
): Promise<void> {
  if (report.status === 'Succeeded') {
    summary.succeeded++;
    await state.updateIngestionBatch(batch.sourceId, (b) => ({
      ...b,
      status: 'succeeded',
      reportedAt: report.at,
    }));
    return;
  }
  const error = errorOf(report);
  if (!report.permanent && batch.sends < MAX_SENDS) {
    // Recorded first: the report is gone from the queue, and a crash before the re-send must not lose the batch.
    await state.updateIngestionBatch(batch.sourceId, (b) => ({
      ...b,
      status: 'pending',
      sends: b.sends + 1,
      reportedAt: report.at,
      error,
      ...(report.errorCode ? { errorCode: report.errorCode } : {}),
      permanent: false,
    }));
    const doc = await state.readWindowRowsAt(batch.rowsDocument);
    const ids = new Set(batch.ids);
    await sink.ingestRows(
      doc.rows.filter((r) => ids.has(String(r.Id))),
      batch.tag,
    );
    summary.resent++;
    return;
  }
  summary.failed++;
  await state.updateIngestionBatch(batch.sourceId, (b) => ({
    ...b,
    status: 'failed',
    reportedAt: report.at,
    error: report.permanent ? error : `${error} (still failing after ${b.sends} sends)`,
    ...(report.errorCode ? { errorCode: report.errorCode } : {}),
    permanent: report.permanent,
  }));
  if (batch.queuedDocument) await state.forgetQueuedBatch(batch.queuedDocument);
}

/**
 * Handed → queryable in queued mode, seconds: from the hand-off to the cluster's SucceededOn, over the succeeded
 * batches still held (a day's worth). A batch re-sent after a transient failure counts from its first hand-off.
 */
export function queuedQueryableLatency(batches: readonly IngestionBatch[]) {
  const seconds = batches
    .filter((b) => b.status === 'succeeded' && !b.resolved && b.reportedAt)
    .map((b) => (Date.parse(b.reportedAt!) - Date.parse(b.queuedAt)) / 1000);
  const p = percentiles(seconds);
  return p ? { batches: seconds.length, ...p } : undefined;
}

/** Failed and overdue batches, and the queued handed → queryable latency, for status and /windows. */
export async function ingestionView(state: PipelineState, nowMs: number) {
  const batches = await state.ingestionBatches();
  const failures = batches
    .filter((b) => b.status === 'failed')
    .sort((a, b) => Date.parse(a.queuedAt) - Date.parse(b.queuedAt))
    .map(failureOf);
  const pending = batches.filter((b) => b.status === 'pending');
  const overdue = pending
    .filter((b) => Date.parse(b.queuedAt) + PENDING_OVERDUE.toMillis() < nowMs)
    .map((b) => ({
      sourceId: b.sourceId,
      windowKey: b.windowKey,
      rowsDocument: b.rowsDocument,
      rows: b.ids.length,
      queuedAt: b.queuedAt,
      sends: b.sends,
      ...(b.error ? { lastError: b.error } : {}),
    }));
  return {
    failures,
    pending: { count: pending.length, overdue },
    handedToQueryable: queuedQueryableLatency(batches),
  };
}

export function failureOf(b: IngestionBatch) {
  return {
    sourceId: b.sourceId,
    windowKey: b.windowKey,
    rowsDocument: b.rowsDocument,
    ids: b.ids,
    queuedAt: b.queuedAt,
    reportedAt: b.reportedAt,
    sends: b.sends,
    error: b.error ?? '',
    ...(b.errorCode ? { errorCode: b.errorCode } : {}),
  };
}

/** The timer: drains and settles, logs what it did (counts only; no row content). */
export async function verifyIngestionsTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const summary = await verifyIngestions(await getState(), getKustoSink(), Date.now());
  if (summary.reports > 0 || summary.pruned > 0) {
    context.log(`verifyIngestions at ${isoOf(Date.now())}: ${JSON.stringify(summary)}`);
  }
}
