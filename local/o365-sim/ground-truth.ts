/**
 * The simulator's own answer to "what should an AIR-processed user-reported phish selection contain" for content
 * created in [from, to). Written from DESIGN §3 and the brief, deliberately independent of src/alerts, so a test
 * comparing the two catches mistakes on either side.
 */
import { RETENTION_MS, type ContentSource } from './content-source';
import { type AuditRecord, PROCESSED_STATUSES, USER_REPORTED_ALERT_NAME } from './records';
import type { GroundTruth, GroundTruthAlert } from './types';

const PROCESSED = new Set<string>(PROCESSED_STATUSES);

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
  const ids: string[] = [];
  if (typeof data.ProviderAlertId === 'string') ids.push(data.ProviderAlertId);
  const actions = Array.isArray(record.Actions) ? (record.Actions as unknown[]) : [];
  for (const action of actions) {
    const related = (action as { RelatedAlertIds?: unknown }).RelatedAlertIds;
    if (Array.isArray(related)) for (const id of related) if (typeof id === 'string') ids.push(id);
  }
  return ids;
}

interface Selected {
  record: AuditRecord;
  id: string;
  creationTime: string;
  status: string;
  investigationId: string;
  alertIds: string[];
}

export function computeGroundTruth(
  source: ContentSource,
  fromMs: number,
  toMs: number,
  nowMs: number,
): GroundTruth {
  const refs = source.blobsCreatedIn(fromMs, toMs);
  const records = new Map<string, AuditRecord>();
  /** For each record id, whether it is found in at least one blob that has not expired. */
  const inLiveBlob = new Map<string, boolean>();
  const malformedContentIds: string[] = [];
  const expiredContentIds: string[] = [];
  for (const ref of refs) {
    const blob = source.truthBlob?.(ref.contentId) ?? source.blob(ref.contentId);
    if (!blob) continue;
    if (blob.malformed) {
      malformedContentIds.push(ref.contentId);
      continue;
    }
    const expired = nowMs >= ref.contentCreated + RETENTION_MS;
    if (expired) expiredContentIds.push(ref.contentId);
    for (const r of blob.records) {
      const id = String(r.Id);
      if (!records.has(id)) records.set(id, r);
      inLiveBlob.set(id, (inLiveBlob.get(id) ?? false) || !expired);
    }
  }

  const investigations: Selected[] = [];
  for (const [id, r] of records) {
    if (Number(r.RecordType) !== 64) continue;
    const data = parseData(r);
    const userReported =
      data.AlertDisplayName === USER_REPORTED_ALERT_NAME || r.InvestigationType === 'SubmissionInvestigation';
    if (!userReported || !PROCESSED.has(String(r.Status))) continue;
    investigations.push({
      record: r,
      id,
      creationTime: String(r.CreationTime),
      status: String(r.Status),
      investigationId: String(r.InvestigationId),
      alertIds: referencedAlertIds(r, data),
    });
  }
  investigations.sort((a, b) => a.creationTime.localeCompare(b.creationTime) || a.id.localeCompare(b.id));
  const firstByAlert = new Map<string, Selected>();
  for (const inv of investigations)
    for (const alertId of inv.alertIds) if (!firstByAlert.has(alertId)) firstByAlert.set(alertId, inv);

  const alerts: GroundTruthAlert[] = [];
  for (const [id, r] of records) {
    if (Number(r.RecordType) !== 40 || r.Name !== USER_REPORTED_ALERT_NAME) continue;
    const inv = firstByAlert.get(String(r.AlertId));
    if (!inv) continue;
    alerts.push({
      alertRecordId: id,
      alertId: String(r.AlertId),
      investigationId: inv.investigationId,
      verdict: inv.status,
    });
  }
  alerts.sort((a, b) => a.alertRecordId.localeCompare(b.alertRecordId));
  const ids = [
    ...new Set([...investigations.map((i) => i.id), ...alerts.map((a) => a.alertRecordId)]),
  ].sort();
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    ids,
    alerts,
    investigations: new Set(investigations.map((i) => i.investigationId)).size,
    contentBlobs: refs.length,
    records: records.size,
    malformedContentIds: malformedContentIds.sort(),
    expiredContentIds: expiredContentIds.sort(),
    expiredIds: ids.filter((id) => inLiveBlob.get(id) === false),
  };
}
