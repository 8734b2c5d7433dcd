/**
 * AIR correlation across windows. A user-reported alert and the investigation that processes it arrive in any order
 * and possibly windows apart, so both sides are remembered: alerts wait in `pending` (by AlertId) and selected
 * investigation updates stay in `verdicts` for the API's 7-day retention, because an investigation can be seen before
 * its alert, and an alert emits further records (AlertUpdated, ...) after it was released.
 *
 * An investigation goes on changing after it was selected (Pending Action → Remediated, or → Terminated By User).
 * Updates the rule does not select by Status arrive as follow-ups; each one later than the investigation's first
 * selected update is ingested (returned among `released`), so the table's latest state per investigation is the real
 * one. Follow-ups of an investigation not (yet) selected wait like alerts, for at most the hold.
 *
 * Every id-keyed structure is a Map while it is worked on; the stored state is written with own data properties
 * (Object.fromEntries), so ids such as `__proto__` or `constructor` correlate like any other and the JSON document
 * keeps the shape earlier versions wrote and read.
 *
 * Pure and deterministic: the same state and inputs give the same output, so it can run in an activity whose
 * result is replayed. `nowIso` should be data time (the window end), so a rewind ages alerts as the live run did.
 */
import { Duration } from 'luxon';
import type { AlertRow } from '../kusto/schema';
import { materializeData } from './record';
import { isKnownAirStatus, isTerminalStatus } from './rules';
import { utcMillis } from './time';
import type { AirVerdict, CorrelationState, PendingAlert } from './types';

/** Content stays fetchable 7 days; a verdict older than that can no longer meet an alert from a fetchable blob. */
export const VERDICT_RETENTION = Duration.fromObject({ days: 7 });
export const VERDICT_RETENTION_MS = VERDICT_RETENTION.as('milliseconds');

export function emptyCorrelationState(): CorrelationState {
  return { pending: {}, verdicts: {}, followUps: {} };
}

/** What one correlate() call did, beyond the rows; every figure is also visible in the rows or the state. */
export interface CorrelationCounts {
  /** Pending alert records released with a verdict. */
  releasedAlerts: number;
  /** Follow-up investigation updates released (rows among `released`). */
  investigationUpdates: number;
  /** Of those, updates whose Status AIR does not document (kept as data). */
  unknownStatusUpdates: number;
  /** Follow-ups older than their investigation's first selected update: not ingested (as before selection). */
  earlierUpdatesSkipped: number;
  /** Follow-ups whose investigation was never selected within the hold: dropped from the state. */
  expiredUpdates: number;
  /** Follow-ups not released because their Data nests deeper than the selection allows (its MAX_NESTING). */
  quarantinedUpdates: number;
}

export interface CorrelationResult {
  state: CorrelationState;
  /** Rows to ingest: released alerts (AirInvestigationId, AirVerdict set), then follow-up investigation updates. */
  released: AlertRow[];
  /** Alerts that waited longer than the hold without a verdict (reported by the caller; they leave the state). */
  expired: PendingAlert[];
  counts: CorrelationCounts;
}

/** Milliseconds for ordering; an unreadable time sorts first instead of poisoning comparisons with NaN. */
function millis(iso: string | null | undefined): number {
  if (typeof iso !== 'string') return Number.NEGATIVE_INFINITY;
  const t = utcMillis(iso);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/**
 * Orders two updates: by LastUpdateTimeUtc (CreationTime when absent), then CreationTime, then record Id, so the
 * order never depends on arrival. Negative when `a` comes first.
 */
function compareUpdates(a: AirVerdict, b: AirVerdict): number {
  const la = millis(a.lastUpdateTime ?? a.creationTime);
  const lb = millis(b.lastUpdateTime ?? b.creationTime);
  if (la !== lb) return la < lb ? -1 : 1;
  const ca = millis(a.creationTime);
  const cb = millis(b.creationTime);
  if (ca !== cb) return ca < cb ? -1 : 1;
  return a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0;
}

/**
 * Whether `a` should be an alert's verdict rather than `b`: a verdict (processed status) beats a terminal status
 * (Failed, Terminated ...), and among the same kind the later update wins. So an alert carries the latest verdict
 * AIR reached, and an investigation that ended without any verdict still releases its alerts, with that status.
 */
function betterVerdict(a: AirVerdict, b: AirVerdict): boolean {
  const ta = isTerminalStatus(a.verdict);
  const tb = isTerminalStatus(b.verdict);
  if (ta !== tb) return tb;
  return compareUpdates(a, b) > 0;
}

/** Own entries of a stored id-keyed object (null, absent or non-object → none). */
function storedEntries<T>(obj: Record<string, T> | undefined | null): [string, T][] {
  return typeof obj === 'object' && obj !== null ? Object.entries(obj) : [];
}

function sortedKeys<T>(m: Map<string, T>): string[] {
  return [...m.keys()].sort();
}

/** An id-keyed Map as the stored plain object: own data properties in key order (safe for any id). */
function toStored<T>(m: Map<string, T>): Record<string, T> {
  return Object.fromEntries(sortedKeys(m).map((k) => [k, m.get(k) as T]));
}

/** Adds `item` to the list under `key`, once per record Id (`idOf`); a repeat keeps the `earlier` copy. */
function addOnce<T>(
  m: Map<string, T[]>,
  key: string,
  item: T,
  idOf: (x: T) => unknown,
  earlier: (a: T, b: T) => boolean,
): void {
  let list = m.get(key);
  if (list === undefined) {
    list = [];
    m.set(key, list);
  }
  const id = idOf(item);
  const same = list.findIndex((p) => idOf(p) === id);
  if (same < 0) list.push(item);
  else if (earlier(item, list[same])) list[same] = item;
}

/**
 * Merges one or more blobs' waiting alerts and investigation updates into the state, releases every pending alert
 * that a known selected update references — with the latest verdict known now (by LastUpdateTimeUtc, then
 * CreationTime), or the terminal status when the investigation ended without one —,
 * releases follow-up updates of selected investigations, and expires alerts and follow-ups that waited longer than
 * `holdHours` (alerts are returned for the caller to report). Does not modify `state`.
 * Released rows keep the provenance columns of the blob they came from (ContentId, WindowStart, ...); a caller
 * that prefers the releasing window can overwrite WindowStart/WindowEnd.
 */
export function correlate(
  state: CorrelationState,
  inputs: { waitingAlerts: PendingAlert[]; verdicts: AirVerdict[] }[],
  nowIso: string,
  holdHours: number,
): CorrelationResult {
  const now = utcMillis(nowIso);
  if (Number.isNaN(now)) throw new RangeError(`correlate: nowIso "${nowIso}" is not an ISO date-time`);
  if (!(holdHours > 0)) throw new RangeError(`correlate: holdHours must be positive, got ${holdHours}`);
  const holdMs = Duration.fromObject({ hours: holdHours }).as('milliseconds');
  const counts: CorrelationCounts = {
    releasedAlerts: 0,
    investigationUpdates: 0,
    unknownStatusUpdates: 0,
    earlierUpdatesSkipped: 0,
    expiredUpdates: 0,
    quarantinedUpdates: 0,
  };

  // Selected updates by record Id, within retention.
  const verdicts = new Map<string, AirVerdict>(storedEntries(state.verdicts));
  const followUps = new Map<string, AirVerdict[]>();
  for (const [id, list] of storedEntries(state.followUps))
    if (Array.isArray(list)) followUps.set(id, [...list]);
  for (const input of inputs) {
    for (const v of input.verdicts) {
      if (v.row === undefined) verdicts.set(v.recordId, v);
      else
        addOnce(
          followUps,
          v.investigationId,
          v,
          (f) => f.recordId,
          (a, b) => millis(a.creationTime) < millis(b.creationTime),
        );
    }
  }
  for (const [id, v] of verdicts) {
    if (!(millis(v.creationTime) >= now - VERDICT_RETENTION_MS)) verdicts.delete(id);
  }

  // The first selected update of each investigation, and the latest verdict for each alert.
  const firstSelected = new Map<string, AirVerdict>();
  const byAlert = new Map<string, AirVerdict>();
  for (const id of sortedKeys(verdicts)) {
    const v = verdicts.get(id) as AirVerdict;
    const first = firstSelected.get(v.investigationId);
    if (first === undefined || compareUpdates(v, first) < 0) firstSelected.set(v.investigationId, v);
    for (const alertId of v.alertIds) {
      const known = byAlert.get(alertId);
      if (known === undefined || betterVerdict(v, known)) byAlert.set(alertId, v);
    }
  }

  const pending = new Map<string, PendingAlert[]>();
  for (const [alertId, list] of storedEntries(state.pending))
    if (Array.isArray(list)) pending.set(alertId, [...list]);
  for (const input of inputs) {
    for (const alert of input.waitingAlerts) {
      addOnce(
        pending,
        alert.alertId,
        alert,
        (p) => p.row.Id,
        (a, b) => millis(a.firstSeen) < millis(b.firstSeen),
      );
    }
  }

  const released: AlertRow[] = [];
  const expired: PendingAlert[] = [];
  for (const alertId of sortedKeys(pending)) {
    const list = pending.get(alertId) as PendingAlert[];
    const verdict = byAlert.get(alertId);
    if (verdict) {
      for (const p of list) {
        released.push({ ...p.row, AirInvestigationId: verdict.investigationId, AirVerdict: verdict.verdict });
      }
      counts.releasedAlerts += list.length;
      pending.delete(alertId);
      continue;
    }
    const keep = list.filter((p) => now - millis(p.firstSeen) <= holdMs);
    for (const p of list) if (!keep.includes(p)) expired.push(p);
    if (keep.length > 0) pending.set(alertId, keep);
    else pending.delete(alertId);
  }

  for (const investigationId of sortedKeys(followUps)) {
    const list = (followUps.get(investigationId) as AirVerdict[]).slice().sort(compareUpdates);
    const first = firstSelected.get(investigationId);
    if (first !== undefined) {
      for (const f of list) {
        if (compareUpdates(f, first) <= 0) {
          counts.earlierUpdatesSkipped++;
          continue;
        }
        const row = f.row as AlertRow;
        // The selection keeps a follow-up's Data as its JSON text (most are never released); parse it now.
        if (typeof row.Data === 'string') {
          const data = materializeData(row.Data);
          if (data.tooDeep) {
            counts.quarantinedUpdates++;
            continue;
          }
          released.push({ ...row, Data: data.value });
        } else released.push(row);
        counts.investigationUpdates++;
        if (!isKnownAirStatus(f.verdict)) counts.unknownStatusUpdates++;
      }
      followUps.delete(investigationId);
      continue;
    }
    const keep = list.filter((f) => now - millis(f.creationTime) <= holdMs);
    counts.expiredUpdates += list.length - keep.length;
    if (keep.length > 0) followUps.set(investigationId, keep);
    else followUps.delete(investigationId);
  }

  return {
    state: { pending: toStored(pending), verdicts: toStored(verdicts), followUps: toStored(followUps) },
    released,
    expired,
    counts,
  };
}
