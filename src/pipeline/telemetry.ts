/**
 * One telemetry row per window run (docs/operations.md, "Telemetry"): the run's counters, stage durations, lag and
 * fault counts in the shape of the telemetry table, and the structured log line written beside it. Pure: the
 * recordWindow activity supplies what it read (tenant, parked set, client counters).
 */
import type { TelemetryRow } from '../kusto/telemetry-schema';
import { zeroCounts, type LatencySamples, type RunKind, type WindowCounts, type WindowRecord } from './model';

export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
}

/** Nearest-rank percentiles of a sample; undefined for an empty one. */
export function percentiles(values: readonly number[]): Percentiles | undefined {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return undefined;
  const rank = (p: number) =>
    finite[Math.min(finite.length - 1, Math.max(0, Math.ceil(p * finite.length) - 1))];
  return { p50: rank(0.5), p95: rank(0.95), max: finite[finite.length - 1] };
}

/** 5xx answers, as the O365 client counts them by error code: AF5xxxx codes and bare HTTP 5xx. */
export function serverErrorsOf(byErrorCode: Record<string, number>): number {
  let n = 0;
  for (const [code, count] of Object.entries(byErrorCode))
    if (/^(AF5\d{4}|HTTP 5\d\d)$/.test(code)) n += count;
  return n;
}

export interface RunContext {
  tenantId: string;
  tenantName: string;
  /** When the run was recorded (activity time). */
  at: string;
  /** 429 and 5xx answers the tenant's client saw during the run (see recordWindow). */
  throttled: number;
  serverErrors: number;
  parkedTotal?: number;
  hoursToNextParkedExpiry?: number | null;
  latency?: Record<string, Percentiles>;
}

const num = (counts: Partial<WindowCounts>, key: string): number =>
  (counts as Record<string, number | undefined>)[key] ?? 0;

/** Per-stage latency percentiles (seconds) from a run's samples; a stage without samples is left out. */
export function latencyOf(samples: LatencySamples | undefined): Record<string, Percentiles> {
  if (!samples) return {};
  const secondsBetween = (from: string, to: string | undefined) =>
    to === undefined ? NaN : (Date.parse(to) - Date.parse(from)) / 1000;
  const stages: Record<string, number[]> = {
    creationToContentCreated: samples.creationLagSeconds,
    contentCreatedToListed: samples.blobs.map((b) => secondsBetween(b.contentCreated, samples.listedAt)),
    listedToFetched: samples.listedAt
      ? samples.blobs.map((b) => secondsBetween(samples.listedAt!, b.fetchedAt))
      : [],
    fetchedToHanded: samples.blobs.map((b) => secondsBetween(b.fetchedAt, samples.handedAt)),
    handedToQueryable: samples.handedAt ? [secondsBetween(samples.handedAt, samples.queryableAt)] : [],
  };
  const out: Record<string, Percentiles> = {};
  for (const [stage, values] of Object.entries(stages)) {
    const p = percentiles(values);
    if (p) out[stage] = p;
  }
  return out;
}

export function telemetryRow(record: WindowRecord, ctx: RunContext): TelemetryRow {
  const run = record.run;
  const counts: WindowCounts = { ...zeroCounts(), ...(run.counts ?? {}) };
  const stages = run.stageSeconds ?? {};
  const duration = Object.values(stages).reduce((a, b) => a + b, 0);
  return {
    Timestamp: ctx.at,
    TenantId: ctx.tenantId,
    TenantName: ctx.tenantName,
    RunId: record.runId ?? run.instanceId.replace(/-(Audit|DLP)\..*$/, ''),
    RunKind: run.kind satisfies RunKind,
    ContentType: record.contentType,
    WindowStart: record.windowStart,
    WindowEnd: record.windowEnd,
    Attempt: run.attempt ?? 1,
    Outcome: run.status,
    Error: run.error ?? '',
    DurationSeconds: duration,
    LagMinutes: run.lagMinutes ?? null,
    Listed: counts.listed,
    Fetched: counts.fetched,
    RecordsSeen: counts.recordsSeen,
    SelectedRows: counts.selectedRows,
    Released: counts.released,
    PendingAlerts: counts.waitingAlerts,
    Ingested: counts.ingested,
    DuplicateRecords: counts.duplicateRecords,
    MalformedBlobs: counts.malformedBlobs,
    MalformedRecords: counts.malformedRecords,
    ParkedBlobs: num(counts, 'parkedBlobs'),
    ParkedTotal: ctx.parkedTotal ?? null,
    HoursToNextParkedExpiry: ctx.hoursToNextParkedExpiry ?? null,
    DataLossBlobs: num(counts, 'dataLossBlobs') + counts.expiredContent + counts.missingContent,
    Throttled: ctx.throttled,
    ServerErrors: ctx.serverErrors,
    Counts: counts,
    StageSeconds: stages,
    Latency: ctx.latency ?? latencyOf(record.latency),
  };
}

/** The structured log line of a run: the row's scalar fields, never record content, tokens or secrets. */
export function runLogLine(row: TelemetryRow): string {
  const { Counts: _counts, Latency: _latency, ...scalars } = row;
  return JSON.stringify({ event: 'windowRun', ...scalars });
}
