/**
 * One content blob: fetch → archive raw (write-once by contentId) → select with the rules → return the selection.
 * Malformed content is quarantined with its reason and never fails the window; expired or vanished content is
 * reported (data loss), not retried forever.
 *
 * A fetch that still fails after the client's own retries *parks* the blob instead of failing the window: it joins
 * the live loop's parked set, which later windows retry first until the blob's contentExpiration. That covers
 * failures wrong for this blob (a bare 404, a foreign or invalid URI, a body over the size cap, a listing reference
 * with impossible dates) and transient ones that outlasted the client's backoff (its attempts are counted). Failures
 * that concern the whole tenant (credential, permission, tenant gone) and failures of our own storage still throw:
 * the window fails and is retried, since parking every blob of a tenant would only hide the problem. Large selections go to an archive document and travel as a pointer,
 * because activity results live in orchestration history (and in queue messages on Azure Storage).
 */
import type { InvocationContext } from '@azure/functions';
import { MalformedContentError, selectFromContent, type RuleSet } from '../src/alerts';
import { DateTime } from 'luxon';
import { blobFailureKind, checkContentReference, type ManagementApiClient } from '../src/o365';
import { PIPELINE_INSTANCE_ID, type ContentToFetch, type SelectionPayload } from '../src/pipeline/model';
import type { PipelineState } from '../src/pipeline/state';

/** Selections above this size (serialized) are passed by pointer. */
export const INLINE_SELECTION_BYTES = 24 * 1024;

export interface FetchContentInput {
  /** Absent in single-tenant histories: the first tenant. */
  tenantId?: string;
  content: ContentToFetch;
  /** Names the window (or rewind window) for provenance and pointer documents. */
  windowKey: string;
  windowStart: string;
  windowEnd: string;
  /** The live loop whose parked set takes this blob if it cannot be fetched; default the single loop's id. */
  loopId?: string;
}

export interface FetchContentOutput {
  contentId: string;
  /** 'parked': the fetch failed and the blob is in the parked set (newly, or one more failed retry). */
  outcome: 'selected' | 'expired' | 'notFound' | 'malformed' | 'parked';
  recordsSeen: number;
  malformedRecords: number;
  /** Inline when small; otherwise `pointer` names an archive document holding the {@link SelectionPayload}. */
  selection?: SelectionPayload;
  pointer?: string;
  rowCount: number;
  waitingCount: number;
  verdictCount: number;
  reason?: string;
  /** With outcome 'parked': true when the blob was not parked before (counted as newly parked). */
  newlyParked?: boolean;
  /** A parked blob fetched on a retry: removed from the parked set, ingested like any other. */
  recovered?: boolean;
  /** A parked blob the service now calls expired or gone: given up (data loss, named). */
  givenUp?: boolean;
  /** When the blob was fetched (wall time, ISO), and a sample of its rows' CreationTime → contentCreated (seconds). */
  fetchedAt?: string;
  creationLagSeconds?: number[];
}

/** Rows sampled per blob for the CreationTime → contentCreated latency. */
const LATENCY_SAMPLE = 10;

/** Blob content is kept by the service for 7 days after it was listed. */
const RETENTION = { days: 7 };

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

export function fetchContentActivity(deps: {
  state: (tenantId?: string) => Promise<PipelineState>;
  o365: (tenantId?: string) => Promise<ManagementApiClient>;
  rules: () => RuleSet;
}) {
  /**
   * One log line per blob outcome that is not a plain success (parked, given up, expired, missing, malformed). It
   * names the blob and the failure, never record content: a malformed blob's reason may quote it, so it is left out.
   */
  function logOutcome(input: FetchContentInput, out: FetchContentOutput, context?: InvocationContext): void {
    if (!context || (out.outcome === 'selected' && out.malformedRecords === 0)) return;
    context.warn(
      JSON.stringify({
        event: 'blobOutcome',
        tenantId: input.tenantId ?? null,
        contentType: input.content.contentType,
        contentId: input.content.contentId,
        windowKey: input.windowKey,
        outcome: out.outcome,
        malformedRecords: out.malformedRecords,
        ...(out.outcome !== 'malformed' && out.reason ? { reason: out.reason.slice(0, 400) } : {}),
      }),
    );
  }

  return async function fetchContent(
    input: FetchContentInput,
    context?: InvocationContext,
  ): Promise<FetchContentOutput> {
    const out = await fetchOne(input);
    logOutcome(input, out, context);
    return out;
  };

  async function fetchOne(input: FetchContentInput): Promise<FetchContentOutput> {
    const { content } = input;
    const base: Omit<FetchContentOutput, 'outcome'> = {
      contentId: content.contentId,
      recordsSeen: 0,
      malformedRecords: 0,
      rowCount: 0,
      waitingCount: 0,
      verdictCount: 0,
    };
    const loopId = input.loopId ?? PIPELINE_INSTANCE_ID;
    const park = async (error: unknown, kind: 'permanent' | 'transient'): Promise<FetchContentOutput> => {
      const reason = messageOf(error);
      const outcome = await (
        await deps.state(input.tenantId)
      ).parkBlob(loopId, {
        content,
        contentExpiration: giveUpTime(content, input.windowEnd),
        error: reason,
        kind,
        windowKey: input.windowKey,
        atIso: DateTime.now().toUTC().toISO() ?? input.windowEnd,
      });
      // Given up already (a rewind of its window): reported once as data loss, not parked again.
      if (outcome === 'lost') return { ...base, outcome: 'expired', reason };
      return { ...base, outcome: 'parked', reason, newlyParked: outcome === 'parked' };
    };

    if (content.invalid !== undefined) return park(new Error(content.invalid), 'permanent');
    const client = await deps.o365(input.tenantId);
    let text: string;
    try {
      text = await client.fetchContentText(content.contentUri);
    } catch (e) {
      const kind = blobFailureKind(e);
      if (kind === 'expired' || kind === 'notFound') {
        // Reported as today (expired/missing content). A parked blob that ends this way is given up: it leaves the
        // set and the data-loss list names it with the service's answer.
        const reason = messageOf(e);
        const givenUp =
          content.retry === true &&
          (await (
            await deps.state(input.tenantId)
          ).giveUpParked(
            loopId,
            content.contentType,
            content.contentId,
            reason,
            input.windowKey,
            DateTime.now().toUTC().toISO() ?? input.windowEnd,
          ));
        return { ...base, outcome: kind, reason, ...(givenUp ? { givenUp } : {}) };
      }
      if (kind === 'tenant') throw e;
      return park(e, kind);
    }

    const state = await deps.state(input.tenantId);
    await state.archiveRaw(content, text);
    // Only the live loop's own retry recovers a parked blob: a rewind's success feeds the rewind's pending store,
    // and the live loop still needs the blob for its own. It leaves the set when this window is recorded done.
    const recovered =
      content.retry === true &&
      (await state.markRecovered(loopId, content.contentType, content.contentId, input.windowKey));
    if (recovered) base.recovered = true;

    let selection;
    try {
      selection = selectFromContent(text, deps.rules(), {
        contentType: content.contentType,
        contentId: content.contentId,
        contentCreated: content.contentCreated,
        windowStart: input.windowStart,
        windowEnd: input.windowEnd,
      });
    } catch (e) {
      if (!(e instanceof MalformedContentError)) throw e;
      await state.quarantine(content, text, e.reason);
      return { ...base, outcome: 'malformed', reason: e.reason };
    }
    if (selection.quarantined.length > 0) {
      const sample = selection.quarantined
        .slice(0, 5)
        .map((q) => `record ${q.index}: ${q.reason}`)
        .join('; ');
      await state.quarantine(
        content,
        text,
        `${selection.quarantined.length} malformed record(s) kept out: ${sample}`,
      );
    }

    const payload: SelectionPayload = {
      rows: selection.rows,
      waitingAlerts: selection.waitingAlerts,
      verdicts: selection.verdicts,
    };
    const created = Date.parse(content.contentCreated);
    const counts: FetchContentOutput = {
      ...base,
      outcome: 'selected',
      fetchedAt: new Date().toISOString(),
      creationLagSeconds: payload.rows
        .slice(0, LATENCY_SAMPLE)
        .map((r) => (created - Date.parse(String(r.CreationTime))) / 1000)
        .filter((v) => Number.isFinite(v)),
      recordsSeen: selection.recordsSeen,
      malformedRecords: selection.quarantined.length,
      rowCount: payload.rows.length,
      waitingCount: payload.waitingAlerts.length,
      verdictCount: payload.verdicts.length,
    };
    if (Buffer.byteLength(JSON.stringify(payload)) <= INLINE_SELECTION_BYTES) {
      return { ...counts, selection: payload };
    }
    const pointer = await state.putSelection(input.windowKey, content.contentId, payload);
    return { ...counts, pointer };
  }
}

/**
 * When a parked blob is given up: its contentExpiration; for a reference whose dates cannot be trusted (or an older
 * history without the field), the window end + 7 days — the window end is when the blob was listed, in data time.
 */
export function giveUpTime(content: ContentToFetch, windowEnd: string): string {
  const listed = content.contentExpiration
    ? DateTime.fromISO(content.contentExpiration, { zone: 'utc' })
    : null;
  if (content.invalid === undefined && listed?.isValid) return listed.toISO() ?? content.contentExpiration!;
  const created = DateTime.fromISO(content.contentCreated, { zone: 'utc' });
  const base =
    content.invalid === undefined && created.isValid ? created : DateTime.fromISO(windowEnd, { zone: 'utc' });
  return base.plus(RETENTION).toISO() ?? windowEnd;
}

/** The parking error of a listing reference with impossible dates (undefined for a usable one). */
export function invalidReferenceReason(ref: Parameters<typeof checkContentReference>[0]): string | undefined {
  return ref.invalid ?? checkContentReference(ref)?.message;
}
