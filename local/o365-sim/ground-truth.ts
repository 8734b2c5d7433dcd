/**
 * The simulator's own answer to "what should an AIR-processed user-reported phish selection contain" for content
 * listed in [from, to) (created there, or created earlier and listed again there), written from the documented selection rules and deliberately independent of the product's
 * selection code, so a test comparing the two catches mistakes on either side. Every id-keyed structure is a Map:
 * hostile ids such as `__proto__` are ordinary keys here.
 *
 * Rules: an investigation (RecordType 64) of a user-reported alert is selected from its first processed status on;
 * its later records are selected whatever their status. A user-reported alert (RecordType 40) is selected when a
 * processed investigation record references its AlertId, and carries the latest processed status known when it is
 * released: at the end of the pipeline window in which both it and a referencing processed record are first known.
 */
import { RETENTION_MS, type ContentRef, type ContentSource } from './content-source';
import { type AuditRecord, PROCESSED_STATUSES, TERMINAL_STATUSES, USER_REPORTED_ALERT_NAME } from './records';
import type { GroundTruth, GroundTruthAlert, GroundTruthOptions, GroundTruthRow, PoisonBlob } from './types';

const PROCESSED = new Set<string>(PROCESSED_STATUSES.map((s) => s.toLowerCase()));
const MINUTE = 60_000;

const TERMINAL = new Set<string>(TERMINAL_STATUSES.map((s) => s.toLowerCase()));
const isVerdict = (status: unknown): boolean => PROCESSED.has(String(status).trim().toLowerCase());
/**
 * A verdict, or an end without one (failed, terminated): either selects the investigation and releases its alerts. An
 * alert carries the latest verdict known at release, or — when the investigation ended without any — its end status.
 */
const isProcessed = (status: unknown): boolean =>
  isVerdict(status) || TERMINAL.has(String(status).trim().toLowerCase());

function parseData(record: AuditRecord): Record<string, unknown> {
  const data = record.Data;
  if (typeof data !== 'string')
    return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  try {
    const parsed: unknown = JSON.parse(data);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Alert ids an investigation record points at: Data.ProviderAlertId and every action's RelatedAlertIds. */
function referencedAlertIds(record: AuditRecord, data: Record<string, unknown>): string[] {
  const ids = new Set<string>();
  if (typeof data.ProviderAlertId === 'string') ids.add(data.ProviderAlertId);
  const actions = Array.isArray(record.Actions) ? (record.Actions as unknown[]) : [];
  for (const action of actions) {
    const related = (action as { RelatedAlertIds?: unknown }).RelatedAlertIds;
    if (Array.isArray(related)) for (const id of related) if (typeof id === 'string') ids.add(id);
  }
  return [...ids];
}

function timeOf(value: unknown): number {
  if (typeof value !== 'string' || value === '') return Number.NEGATIVE_INFINITY;
  const t = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
}

/** Update order of investigation records: LastUpdateTimeUtc, then CreationTime, then record Id. */
function compareUpdates(a: Known, b: Known): number {
  return (
    timeOf(a.record.LastUpdateTimeUtc) - timeOf(b.record.LastUpdateTimeUtc) ||
    timeOf(a.record.CreationTime) - timeOf(b.record.CreationTime) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

interface TruthBlob {
  ref: ContentRef;
  records: AuditRecord[];
  expired: boolean;
}

interface Known {
  id: string;
  record: AuditRecord;
  /** When a consumer first obtains the record (the earliest obtained blob holding it). */
  at: number;
  contentIds: string[];
  /** True when every obtained blob holding it has expired. */
  expiredOnly: boolean;
}

interface Selection {
  ids: string[];
  alerts: GroundTruthAlert[];
  rows: GroundTruthRow[];
  laterUpdateIds: string[];
  investigations: number;
  expiredIds: string[];
}

type Obtained = (blob: TruthBlob) => number | undefined;

function select(
  blobs: TruthBlob[],
  obtainedAt: Obtained,
  tenantId: string,
  windowEnd: (t: number) => number,
): Selection {
  const known = new Map<string, Known>();
  for (const blob of blobs) {
    const at = obtainedAt(blob);
    if (at === undefined) continue;
    for (const record of blob.records) {
      const id = String(record.Id);
      const k = known.get(id);
      if (!k) {
        known.set(id, { id, record, at, contentIds: [blob.ref.contentId], expiredOnly: blob.expired });
        continue;
      }
      k.at = Math.min(k.at, at);
      if (!k.contentIds.includes(blob.ref.contentId)) k.contentIds.push(blob.ref.contentId);
      k.expiredOnly = k.expiredOnly && blob.expired;
    }
  }

  // Investigations of user-reported alerts, grouped, each in update order.
  const byInvestigation = new Map<string, Known[]>();
  for (const k of known.values()) {
    const r = k.record;
    if (Number(r.RecordType) !== 64) continue;
    const data = parseData(r);
    const userReported =
      data.AlertDisplayName === USER_REPORTED_ALERT_NAME || r.InvestigationType === 'SubmissionInvestigation';
    if (!userReported) continue;
    const key = String(r.InvestigationId);
    const list = byInvestigation.get(key) ?? [];
    list.push(k);
    byInvestigation.set(key, list);
  }
  const selectedInvestigations: Known[] = [];
  const laterUpdateIds: string[] = [];
  /** Processed records referencing each AlertId. */
  const verdictsByAlert = new Map<string, Known[]>();
  for (const list of byInvestigation.values()) {
    list.sort(compareUpdates);
    const first = list.findIndex((k) => isProcessed(k.record.Status));
    if (first < 0) continue;
    for (const k of list.slice(first)) {
      selectedInvestigations.push(k);
      if (!isProcessed(k.record.Status)) {
        laterUpdateIds.push(k.id);
        continue;
      }
      for (const alertId of referencedAlertIds(k.record, parseData(k.record))) {
        const refs = verdictsByAlert.get(alertId) ?? [];
        refs.push(k);
        verdictsByAlert.set(alertId, refs);
      }
    }
  }

  const alerts: GroundTruthAlert[] = [];
  const rows: GroundTruthRow[] = [];
  const rowOf = (k: Known, extra: Partial<GroundTruthRow>): GroundTruthRow => ({
    Id: k.id,
    RecordType: Number(k.record.RecordType) === 40 ? 40 : 64,
    OrganizationId: typeof k.record.OrganizationId === 'string' ? k.record.OrganizationId : tenantId,
    AlertId: null,
    InvestigationId: null,
    Status: String(k.record.Status),
    AirInvestigationId: null,
    AirVerdict: null,
    ContentIds: [...k.contentIds].sort(),
    ...extra,
  });
  for (const k of selectedInvestigations) {
    const investigationId = String(k.record.InvestigationId);
    rows.push(
      rowOf(k, {
        InvestigationId: investigationId,
        AirInvestigationId: investigationId,
        AirVerdict: String(k.record.Status),
      }),
    );
  }
  for (const k of known.values()) {
    const r = k.record;
    if (Number(r.RecordType) !== 40 || r.Name !== USER_REPORTED_ALERT_NAME) continue;
    const alertId = String(r.AlertId);
    const refs = verdictsByAlert.get(alertId);
    if (!refs || refs.length === 0) continue;
    const ordered = [...refs].sort(compareUpdates);
    const firstKnown = Math.min(...refs.map((v) => v.at));
    const releasedBy = windowEnd(Math.max(k.at, firstKnown));
    const atRelease = ordered.filter((v) => v.at < releasedBy);
    const verdicts = atRelease.filter((v) => isVerdict(v.record.Status));
    const chosen = (verdicts.length ? verdicts : atRelease)[
      (verdicts.length ? verdicts : atRelease).length - 1
    ] as Known;
    const verdict = String(chosen.record.Status);
    const investigationId = String(chosen.record.InvestigationId);
    alerts.push({
      alertRecordId: k.id,
      alertId,
      investigationId,
      verdict,
      firstVerdict: String(ordered[0]?.record.Status),
      latestVerdict: String(ordered[ordered.length - 1]?.record.Status),
      releasedInWindowEnd: new Date(releasedBy).toISOString(),
    });
    rows.push(rowOf(k, { AlertId: alertId, AirInvestigationId: investigationId, AirVerdict: verdict }));
  }
  alerts.sort((a, b) => (a.alertRecordId < b.alertRecordId ? -1 : a.alertRecordId > b.alertRecordId ? 1 : 0));
  rows.sort((a, b) => (a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0));
  const ids = rows.map((r) => r.Id);
  return {
    ids,
    alerts,
    rows,
    laterUpdateIds: laterUpdateIds.sort(),
    investigations: new Set(selectedInvestigations.map((k) => String(k.record.InvestigationId))).size,
    expiredIds: ids.filter((id) => known.get(id)?.expiredOnly === true),
  };
}

export function computeGroundTruth(
  source: ContentSource,
  fromMs: number,
  toMs: number,
  nowMs: number,
  tenantId: string,
  options: Omit<GroundTruthOptions, 'tenantId'> = {},
): GroundTruth {
  const windowMinutes = options.windowMinutes ?? 60;
  const origin = options.windowOriginMs ?? 0;
  if (!(Number.isInteger(windowMinutes) && windowMinutes >= 1))
    throw new Error(`ground truth windowMinutes must be a positive integer, got ${String(windowMinutes)}`);
  if (!Number.isFinite(origin)) throw new Error('ground truth windowOriginMs must be a time in ms');
  const windowMs = windowMinutes * MINUTE;
  const windowEnd = (t: number): number => origin + (Math.floor((t - origin) / windowMs) + 1) * windowMs;
  const excluded = new Set(options.excludeContentIds ?? []);

  const listedBy = options.listedBy ?? Number.POSITIVE_INFINITY;
  const refs = source.blobsListedIn(fromMs, toMs).filter((ref) => ref.listableAt <= listedBy);
  const blobs: TruthBlob[] = [];
  const malformedContentIds: string[] = [];
  const expiredContentIds: string[] = [];
  const poison: PoisonBlob[] = [];
  const distinct = new Set<string>();
  for (const ref of refs) {
    const blob = source.truthBlob?.(ref.contentId) ?? source.blob(ref.contentId);
    if (!blob) continue;
    if (blob.malformed) {
      malformedContentIds.push(ref.contentId);
      continue;
    }
    const expiration = ref.contentCreated + RETENTION_MS;
    const expired = nowMs >= expiration;
    if (expired) expiredContentIds.push(ref.contentId);
    if (ref.poison) {
      const entry: PoisonBlob = {
        contentId: ref.contentId,
        kind: ref.poison,
        contentCreated: new Date(ref.contentCreated).toISOString(),
        contentExpiration: new Date(expiration).toISOString(),
      };
      if (ref.recoversAt !== undefined) entry.recoversAt = new Date(ref.recoversAt).toISOString();
      poison.push(entry);
    }
    for (const r of blob.records) distinct.add(String(r.Id));
    blobs.push({ ref, records: blob.records, expired });
  }

  /** When the blob is obtained under a view of the poison blobs, or undefined when never. */
  const view =
    (recovering: 'recovered' | 'lost'): Obtained =>
    (blob) => {
      const ref = blob.ref;
      if (excluded.has(ref.contentId)) return undefined;
      // A blob created before the range and listed again inside it is obtained at that listing.
      const listed = Math.max(ref.contentCreated, ref.listedCreated);
      if (!ref.poison) return listed;
      if (ref.poison !== 'recovering' || recovering === 'lost' || ref.recoversAt === undefined)
        return undefined;
      return ref.recoversAt < ref.contentCreated + RETENTION_MS
        ? Math.max(listed, ref.recoversAt)
        : undefined;
    };
  // The three views differ only when recovering blobs are in the range: compute each distinct one once.
  const mainMode = options.recovering ?? 'recovered';
  const main = select(blobs, view(mainMode), tenantId, windowEnd);
  const anyRecovering = poison.some((p) => p.kind === 'recovering');
  const otherMode = mainMode === 'lost' ? 'recovered' : 'lost';
  const other = anyRecovering ? select(blobs, view(otherMode), tenantId, windowEnd) : main;
  const never = mainMode === 'lost' ? main : other;
  const recovers = mainMode === 'lost' ? other : main;
  const byId = (a: { contentId: string }, b: { contentId: string }): number =>
    a.contentId < b.contentId ? -1 : a.contentId > b.contentId ? 1 : 0;
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    tenantId,
    ids: main.ids,
    alerts: main.alerts,
    rows: main.rows,
    laterUpdateIds: main.laterUpdateIds,
    investigations: main.investigations,
    contentBlobs: refs.length,
    records: distinct.size,
    malformedContentIds: malformedContentIds.sort(),
    expiredContentIds: expiredContentIds.sort(),
    expiredIds: main.expiredIds,
    poison: poison.sort(byId),
    poisonContentIds: poison.map((p) => p.contentId).sort(),
    ifPoisonNeverRecovers: { ids: never.ids, alertRecordIds: never.alerts.map((a) => a.alertRecordId) },
    ifPoisonRecovers: { ids: recovers.ids, alertRecordIds: recovers.alerts.map((a) => a.alertRecordId) },
    excludedContentIds: [...excluded].sort(),
  };
}
