/**
 * The shapes that cross the boundary between the fetch activity, the correlation activity and the orchestrators.
 * Every one of them is plain JSON so it can travel through durable history and Blob documents unchanged.
 */
import type { AlertRow } from '../kusto/schema';

/** Where a record came from; copied into the provenance columns of every row it produces. */
export interface Provenance {
  contentType: string;
  contentId: string;
  contentCreated: string;
  windowStart: string;
  windowEnd: string;
}

/** A user-reported alert record held until an AIR investigation that references its AlertId is processed. */
export interface PendingAlert {
  alertId: string;
  row: AlertRow;
  /** Data time at which the pipeline first saw the alert (its blob's contentCreated), so rewinds age alerts like live runs. */
  firstSeen: string;
}

/**
 * An AIR investigation update and every alert id it references: either a selected update (its Status is a verdict
 * or a terminal status; its row is among the blob's rows) or, with `row`, a follow-up — an update of the same kind
 * whose Status the rule does not select, ingested only when its investigation has been selected.
 */
export interface AirVerdict {
  investigationId: string;
  /** The investigation's Status in this update as received, e.g. "Remediated" or "No threats found". */
  verdict: string;
  creationTime: string;
  /** LastUpdateTimeUtc (ISO, Z) when the record has it: updates are ordered by it, then by creationTime. */
  lastUpdateTime?: string | null;
  /** Audit record Id of the investigation update (one investigation has many updates). */
  recordId: string;
  alertIds: string[];
  /** Present on a follow-up only: the row to ingest once the investigation is known to be selected. */
  row?: AlertRow;
}

/** What one content blob contributes to a window. */
export interface BlobSelection {
  recordsSeen: number;
  /** Selected now (processed user-reported investigations; onboarded kinds that need no AIR verdict). */
  rows: AlertRow[];
  /** User-reported alerts that must wait for a processed investigation. */
  waitingAlerts: PendingAlert[];
  /** Processed user-reported investigations and the alert ids they reference. */
  verdicts: AirVerdict[];
  /** Malformed records (kept out, counted, archived by the caller). */
  quarantined: { index: number; reason: string }[];
  /** Records no rule wanted. */
  dropped: number;
  /** Records whose Data string was not valid JSON; they are still selected, with Data kept as the original string. */
  unparsedData: number;
  /** Investigation updates (selected or follow-ups) whose Status AIR does not document; kept as data, counted. */
  unknownStatuses: number;
}

/**
 * The durable pending store. Plain JSON: the caller keeps it in a Blob document or in orchestration state. Keys are
 * ids from the audit records (any string, `__proto__` included): read them with Object.entries / Object.hasOwn, never
 * by assignment into an ordinary object. correlate() works on Maps and writes these objects with own data
 * properties, so a stored document reads back the same.
 */
export interface CorrelationState {
  /** Waiting alert records by AlertId (an alert produces several records: triggered, entity generated, updated). */
  pending: Record<string, PendingAlert[]>;
  /** Known selected investigation updates by audit record Id, kept for the API's 7-day retention. */
  verdicts: Record<string, AirVerdict>;
  /**
   * Follow-up updates by InvestigationId whose investigation is not (yet) known to be selected, held like alerts.
   * Absent in documents written before follow-ups existed.
   */
  followUps?: Record<string, AirVerdict[]>;
}
