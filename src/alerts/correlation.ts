/**
 * AIR correlation across windows (DESIGN §3). A user-reported alert and the investigation that processes it arrive
 * in any order and possibly windows apart, so both sides are remembered: alerts wait in `pending` (by AlertId) and
 * processed investigation updates stay in `verdicts` for the API's 7-day retention, because an investigation can be
 * seen before its alert, and an alert emits further records (AlertUpdated, ...) after it was released.
 *
 * Pure and deterministic: the same state and inputs give the same output, so it can run in an activity whose
 * result is replayed. `nowIso` should be data time (the window end), so a rewind ages alerts as the live run did.
 */
import type { AlertRow } from '../kusto/schema';
import type { AirVerdict, CorrelationState, PendingAlert } from './types';
import { utcMillis } from './time';

/** Content stays fetchable 7 days; a verdict older than that can no longer meet an alert from a fetchable blob. */
export const VERDICT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export function emptyCorrelationState(): CorrelationState {
  return { pending: {}, verdicts: {} };
}

/** Earliest CreationTime wins; ties go to the smaller record Id, so the choice does not depend on arrival order. */
function betterVerdict(a: AirVerdict, b: AirVerdict): AirVerdict {
  const ta = utcMillis(a.creationTime);
  const tb = utcMillis(b.creationTime);
  if (ta !== tb) return ta < tb ? a : b;
  return a.recordId <= b.recordId ? a : b;
}

/**
 * Merges one or more blobs' waiting alerts and verdicts into the state, releases every pending alert that a known
 * verdict references (rows with AirInvestigationId and AirVerdict set), and expires alerts that waited longer than
 * `holdHours` (returned for the caller to report; they leave the state). Does not modify `state`.
 * Released rows keep the provenance columns of the blob the alert came from (ContentId, WindowStart, ...); a caller
 * that prefers the releasing window can overwrite WindowStart/WindowEnd.
 */
export function correlate(
  state: CorrelationState,
  inputs: { waitingAlerts: PendingAlert[]; verdicts: AirVerdict[] }[],
  nowIso: string,
  holdHours: number,
): { state: CorrelationState; released: AlertRow[]; expired: PendingAlert[] } {
  const now = utcMillis(nowIso);
  if (Number.isNaN(now)) throw new RangeError(`correlate: nowIso "${nowIso}" is not an ISO date-time`);
  if (!(holdHours > 0)) throw new RangeError(`correlate: holdHours must be positive, got ${holdHours}`);

  const verdicts: Record<string, AirVerdict> = { ...state.verdicts };
  for (const input of inputs) for (const v of input.verdicts) verdicts[v.recordId] = v;
  for (const [id, v] of Object.entries(verdicts)) {
    const t = utcMillis(v.creationTime);
    if (!(t >= now - VERDICT_RETENTION_MS)) delete verdicts[id];
  }
  const byAlert = new Map<string, AirVerdict>();
  for (const v of Object.values(verdicts)) {
    for (const alertId of v.alertIds) {
      const known = byAlert.get(alertId);
      byAlert.set(alertId, known ? betterVerdict(known, v) : v);
    }
  }

  const pending: Record<string, PendingAlert[]> = {};
  for (const [alertId, list] of Object.entries(state.pending)) pending[alertId] = [...list];
  for (const input of inputs) {
    for (const alert of input.waitingAlerts) {
      const list = (pending[alert.alertId] ??= []);
      const same = list.findIndex((p) => p.row.Id === alert.row.Id);
      if (same < 0) list.push(alert);
      else if (utcMillis(alert.firstSeen) < utcMillis(list[same].firstSeen)) list[same] = alert;
    }
  }

  const released: AlertRow[] = [];
  const expired: PendingAlert[] = [];
  const holdMs = holdHours * 60 * 60 * 1000;
  for (const alertId of Object.keys(pending).sort()) {
    const list = pending[alertId];
    const verdict = byAlert.get(alertId);
    if (verdict) {
      for (const p of list) {
        released.push({ ...p.row, AirInvestigationId: verdict.investigationId, AirVerdict: verdict.verdict });
      }
      delete pending[alertId];
      continue;
    }
    const keep = list.filter((p) => now - utcMillis(p.firstSeen) <= holdMs);
    for (const p of list) if (!keep.includes(p)) expired.push(p);
    if (keep.length > 0) pending[alertId] = keep;
    else delete pending[alertId];
  }
  return { state: { pending, verdicts }, released, expired };
}
