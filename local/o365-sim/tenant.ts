/**
 * The generated tenant: Audit.General content built lazily per hour from the seed.
 *
 * The records of hour h are noise(h) + the records of user-reported phish lifecycles (alert, then AIR investigation
 * updates) whose time falls in h, for alerts born in h or in the hours before it. An hour's records are sorted by
 * time, cut into blobs of `recordsPerBlob`, and each blob becomes available `availabilityDelayMinutes` after its last
 * record. Nothing depends on which hours were built before, so a 7-day backlog costs only the hours someone asks for.
 */
import { type ContentBlob, type ContentRef, type ContentSource, LruCache } from './content-source';
import {
  type AuditRecord,
  drawHour,
  LIFECYCLE_TAIL_MINUTES,
  lifecycleEvents,
  lifecycleRecord,
  type NoiseKind,
  noiseRecord,
  phishLifecycle,
  type PhishLifecycle,
  type TenantIdentity,
} from './records';
import { POISON_RATE_KEYS, recoveryTime } from './faults';
import { draw, rngFor } from './random';
import type { FaultConfig, PoisonKind, TenantProfile } from './types';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const GENERAL = 'Audit.General';
/** Records a user-reported lifecycle produces on average (3 alert records + about 2.3 investigation records). */
const RECORDS_PER_LIFECYCLE = 5.3;

type EventSource =
  | { kind: 'phish'; birthHour: number; index: number; step: number }
  | { kind: 'noise'; noiseKind: NoiseKind; index: number };

interface PlannedEvent {
  at: number;
  /** Orders events of the same millisecond deterministically (cheaper than comparing keys). */
  tie: number;
  source: EventSource;
}

interface HourRef {
  ref: ContentRef;
  relistedCreated?: number;
}

interface PlannedBlob {
  ref: ContentRef;
  relistedCreated?: number;
  events: PlannedEvent[];
  malformed: boolean;
}

export function defaultTenantProfile(nowMs: number): TenantProfile {
  return {
    contentStartMs: Math.floor((nowMs - 8 * 24 * HOUR) / HOUR) * HOUR,
    recordsPerHour: 120,
    recordsPerBlob: 40,
    userReportedShare: 0.2,
    airStartDelayMinutes: { min: 2, max: 20 },
    airVerdictDelayMinutes: { min: 15, max: 360 },
    uninvestigatedShare: 0.05,
    availabilityDelayMinutes: 20,
    noiseMix: { otherAlerts: 3, otherInvestigations: 3, otherRecordTypes: 4 },
    lifecycleMix: { standard: 1, terminatedAfterPending: 0, remediatedBeforeAlertListed: 0 },
  };
}

/** The AlertId given to hostile alerts: a key that breaks plain-object maps. */
export const HOSTILE_ALERT_ID = '__proto__';

/** Refuses profiles that would generate nonsense (negative volumes, shares outside [0, 1], inverted delay ranges). */
export function validateTenantProfile(p: TenantProfile): void {
  const problems: string[] = [];
  if (!Number.isFinite(p.contentStartMs)) problems.push('contentStartMs must be a time in ms');
  if (!(p.recordsPerHour >= 0)) problems.push('recordsPerHour must be >= 0');
  if (!(Number.isInteger(p.recordsPerBlob) && p.recordsPerBlob >= 1))
    problems.push('recordsPerBlob must be an integer >= 1');
  for (const key of ['userReportedShare', 'uninvestigatedShare'] as const) {
    if (!(p[key] >= 0 && p[key] <= 1)) problems.push(`${key} must be in [0, 1]`);
  }
  for (const key of ['airStartDelayMinutes', 'airVerdictDelayMinutes'] as const) {
    const { min, max } = p[key];
    if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 0 && max >= min)) {
      problems.push(`${key} needs integers 0 <= min <= max`);
    }
  }
  if (!(p.availabilityDelayMinutes >= 0)) problems.push('availabilityDelayMinutes must be >= 0');
  const mix = p.noiseMix;
  if (![mix.otherAlerts, mix.otherInvestigations, mix.otherRecordTypes].every((w) => w >= 0)) {
    problems.push('noiseMix weights must be >= 0');
  }
  const life = p.lifecycleMix;
  const lifeWeights = [life?.standard, life?.terminatedAfterPending, life?.remediatedBeforeAlertListed];
  if (!lifeWeights.every((w) => typeof w === 'number' && w >= 0) || !lifeWeights.some((w) => (w ?? 0) > 0)) {
    problems.push(
      'lifecycleMix needs weights >= 0 for standard, terminatedAfterPending and remediatedBeforeAlertListed, not all 0',
    );
  }
  if (problems.length > 0) throw new Error(`O365 simulator tenant profile: ${problems.join('; ')}`);
}

/** `20171014180051748` — the timestamp prefix of the real contentIds. */
function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:TZ.]/g, '');
}

export function generatedContentId(contentCreated: number, hour: number, index: number): string {
  return `${compactTime(contentCreated)}${String(index).padStart(6, '0')}$${hour}x${index}$audit_general$Audit_General`;
}

export function parseGeneratedContentId(contentId: string): { hour: number; index: number } | undefined {
  const m = /^\d{23}\$(\d+)x(\d+)\$audit_general\$Audit_General$/.exec(contentId);
  if (!m) return undefined;
  return { hour: Number(m[1]), index: Number(m[2]) };
}

export class GeneratedTenant implements ContentSource {
  private readonly plans: LruCache<number, PlannedBlob[]>;
  /** Listing needs only the blobs' references: kept for far more hours than the (heavy) event plans. */
  private readonly refs = new LruCache<number, HourRef[]>(24 * 10);
  private readonly lifecycles = new LruCache<number, PhishLifecycle[]>(96);
  private readonly hostile = new Map<string, boolean>();
  private readonly spanHours: number;

  constructor(
    private readonly identity: TenantIdentity,
    private readonly profile: TenantProfile,
    private faults: FaultConfig,
    /** Planned records kept in memory (a simulator serving several tenants shares its budget among them). */
    cachedRecords = 400_000,
  ) {
    const longest = profile.airVerdictDelayMinutes.max + LIFECYCLE_TAIL_MINUTES;
    this.spanHours = Math.ceil(longest / 60) + 1;
    this.plans = new LruCache(Math.max(8, Math.floor(cachedRecords / Math.max(1, profile.recordsPerHour))));
  }

  /** Content faults shape the content itself, so new faults mean new plans. */
  setFaults(faults: FaultConfig): void {
    this.faults = faults;
    this.plans.clear();
    this.refs.clear();
    this.hostile.clear();
  }

  listingEntries(contentType: string, fromMs: number, toMs: number): ContentRef[] {
    if (contentType !== GENERAL) return [];
    const out: ContentRef[] = [];
    const back =
      this.profile.availabilityDelayMinutes * MINUTE + this.faults.relistAfterMinutes * MINUTE + HOUR;
    for (let h = Math.floor((fromMs - back) / HOUR); h <= Math.floor(toMs / HOUR); h++) {
      for (const blob of this.hourRefs(h)) {
        if (blob.ref.listedCreated >= fromMs && blob.ref.listedCreated < toMs) out.push(blob.ref);
        const again = blob.relistedCreated;
        if (again !== undefined && again >= fromMs && again < toMs) {
          out.push({ ...blob.ref, listedCreated: again, listableAt: Math.max(blob.ref.listableAt, again) });
        }
      }
    }
    return out;
  }

  blobsCreatedIn(fromMs: number, toMs: number): ContentRef[] {
    const out: ContentRef[] = [];
    const back = this.profile.availabilityDelayMinutes * MINUTE + HOUR;
    for (let h = Math.floor((fromMs - back) / HOUR); h <= Math.floor(toMs / HOUR); h++) {
      for (const blob of this.hourRefs(h)) {
        if (blob.ref.contentCreated >= fromMs && blob.ref.contentCreated < toMs) out.push(blob.ref);
      }
    }
    return out;
  }

  blobsListedIn(fromMs: number, toMs: number): ContentRef[] {
    // The listing's own entries include the re-listings; those of blobs created before the range are the extra ones.
    const relisted = this.listingEntries(GENERAL, fromMs, toMs).filter((ref) => ref.contentCreated < fromMs);
    return [...this.blobsCreatedIn(fromMs, toMs), ...relisted];
  }

  blob(contentId: string): ContentBlob | undefined {
    const parsed = parseGeneratedContentId(contentId);
    if (!parsed) return undefined;
    const planned = this.plan(parsed.hour)[parsed.index];
    if (!planned || planned.ref.contentId !== contentId) return undefined;
    const records = planned.events.map((e) => this.materialise(e, parsed.hour));
    // Records inside a blob are not ordered (reference: "records inside a blob are not ordered").
    const rng = rngFor(this.identity.seed, 'shuffle', drawHour(this.identity, parsed.hour), parsed.index);
    for (let i = records.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [records[i], records[j]] = [records[j] as AuditRecord, records[i] as AuditRecord];
    }
    return { ref: planned.ref, records, malformed: planned.malformed };
  }

  /**
   * The blob as the ground truth needs it: noise that no rule could select (other alert names, other record types)
   * stays a stub with a stable identity, so a 24-hour truth of a large tenant does not build every record.
   */
  truthBlob(contentId: string): ContentBlob | undefined {
    const parsed = parseGeneratedContentId(contentId);
    if (!parsed) return undefined;
    const planned = this.plan(parsed.hour)[parsed.index];
    if (!planned || planned.ref.contentId !== contentId) return undefined;
    const records = planned.events.map((e) =>
      e.source.kind === 'noise' && e.source.noiseKind !== 'otherInvestigation'
        ? { Id: `noise:${Math.floor(e.at / HOUR)}.${e.source.index}`, RecordType: 0 }
        : this.materialise(e, parsed.hour),
    );
    return { ref: planned.ref, records, malformed: planned.malformed };
  }

  private materialise(e: PlannedEvent, hour: number): AuditRecord {
    const s = e.source;
    if (s.kind === 'noise')
      return noiseRecord(this.identity, s.noiseKind, e.at, Math.floor(e.at / HOUR), s.index);
    const l = this.lifecyclesBornIn(s.birthHour)[s.index];
    if (!l) throw new Error(`no lifecycle ${s.birthHour}.${s.index} (hour ${hour})`);
    const lifecycle = this.isHostile(l, s.birthHour, s.index) ? { ...l, alertId: HOSTILE_ALERT_ID } : l;
    return lifecycleRecord(this.identity, lifecycle, s.step);
  }

  /** Whether the lifecycle's AlertId is `__proto__`: by rate, or because its AlertTriggered record sits in a named blob. */
  private isHostile(l: PhishLifecycle, birthHour: number, index: number): boolean {
    const f = this.faults;
    if (f.protoAlertRate <= 0 && f.protoAlertContentIds.length === 0) return false;
    const cached = this.hostile.get(l.key);
    if (cached !== undefined) return cached;
    let hostile = f.protoAlertRate > 0 && draw(this.identity.seed, 'proto', l.key) < f.protoAlertRate;
    if (!hostile && f.protoAlertContentIds.length > 0) {
      const first = lifecycleEvents(l)[0];
      const blobs = first ? this.plan(Math.floor(first.at / HOUR)) : [];
      const holder = blobs.find((b) =>
        b.events.some(
          (e) =>
            e.source.kind === 'phish' &&
            e.source.birthHour === birthHour &&
            e.source.index === index &&
            e.source.step === 0,
        ),
      );
      hostile = holder !== undefined && f.protoAlertContentIds.includes(holder.ref.contentId);
    }
    this.hostile.set(l.key, hostile);
    return hostile;
  }

  /** The poison kind of blob `index` of hour `hour`: explicit contentIds first, then one seeded draw. */
  private poisonOf(contentId: string, hour: number, index: number): PoisonKind | undefined {
    const f = this.faults;
    for (const [kind, , ids] of POISON_RATE_KEYS) if (f[ids].includes(contentId)) return kind;
    let u = draw(this.identity.seed, 'poison', drawHour(this.identity, hour), index);
    for (const [kind, rate] of POISON_RATE_KEYS) {
      if (u < f[rate]) return kind;
      u -= f[rate];
    }
    return undefined;
  }

  private lifecyclesBornIn(hour: number): PhishLifecycle[] {
    const cached = this.lifecycles.get(hour);
    if (cached) return cached;
    const p = this.profile;
    let list: PhishLifecycle[] = [];
    if (hour * HOUR >= p.contentStartMs) {
      const mean = (p.recordsPerHour * p.userReportedShare) / RECORDS_PER_LIFECYCLE;
      const rng = rngFor(this.identity.seed, 'births', drawHour(this.identity, hour));
      const count = Math.floor(mean) + (rng.chance(mean - Math.floor(mean)) ? 1 : 0);
      list = Array.from({ length: count }, (_, k) => phishLifecycle(this.identity, p, hour, k));
    }
    this.lifecycles.set(hour, list);
    return list;
  }

  private hourRefs(hour: number): HourRef[] {
    const cached = this.refs.get(hour);
    if (cached) return cached;
    const refs = this.plan(hour).map((b) => ({ ref: b.ref, relistedCreated: b.relistedCreated }));
    this.refs.set(hour, refs);
    return refs;
  }

  private plan(hour: number): PlannedBlob[] {
    const cached = this.plans.get(hour);
    if (cached) return cached;
    const blobs = this.buildPlan(hour);
    this.plans.set(hour, blobs);
    return blobs;
  }

  private buildPlan(hour: number): PlannedBlob[] {
    const p = this.profile;
    const start = hour * HOUR;
    if (start + HOUR <= p.contentStartMs) return [];
    const events: PlannedEvent[] = [];
    for (let b = hour - this.spanHours; b <= hour; b++) {
      this.lifecyclesBornIn(b).forEach((l, index) => {
        for (const e of lifecycleEvents(l)) {
          if (e.at >= start && e.at < start + HOUR && e.at >= p.contentStartMs) {
            events.push({
              at: e.at,
              tie: (b - hour + 64) * 1e7 + index * 16 + e.step,
              source: { kind: 'phish', birthHour: b, index, step: e.step },
            });
          }
        }
      });
    }
    const rng = rngFor(this.identity.seed, 'noise', drawHour(this.identity, hour));
    const phishShare = Math.min(1, p.userReportedShare);
    const noiseCount = Math.max(
      0,
      Math.round(p.recordsPerHour * (1 - phishShare) * (0.9 + 0.2 * rng.next())),
    );
    const mix = p.noiseMix;
    const kinds: NoiseKind[] = ['otherAlert', 'otherInvestigation', 'otherRecordType'];
    const weights = [mix.otherAlerts, mix.otherInvestigations, mix.otherRecordTypes];
    for (let i = 0; i < noiseCount; i++) {
      const at = start + Math.floor(rng.next() * HOUR);
      if (at < p.contentStartMs) continue;
      events.push({
        at,
        tie: -1 - i,
        source: { kind: 'noise', noiseKind: rng.weighted(kinds, weights), index: i },
      });
    }
    events.sort((a, b) => a.at - b.at || a.tie - b.tie);
    return this.cutIntoBlobs(hour, events);
  }

  private cutIntoBlobs(hour: number, events: PlannedEvent[]): PlannedBlob[] {
    const f = this.faults;
    const seed = this.identity.seed;
    const key = drawHour(this.identity, hour);
    const size = Math.max(1, this.profile.recordsPerBlob);
    const owns: PlannedEvent[][] = [];
    for (let i = 0; i * size < events.length; i++) owns.push(events.slice(i * size, (i + 1) * size));
    return owns.map((own, i) => {
      const last = own[own.length - 1] as PlannedEvent;
      const contentCreated = last.at + this.profile.availabilityDelayMinutes * MINUTE + i;
      const late = f.lateListingRate > 0 && draw(seed, 'late', key, i) < f.lateListingRate;
      const relist = f.duplicateListingRate > 0 && draw(seed, 'relist', key, i) < f.duplicateListingRate;
      // A record may also appear in the next blob of the hour (copies come from the previous blob's own records,
      // so no record is in more than two blobs).
      const previous = i > 0 ? (owns[i - 1] as PlannedEvent[]) : [];
      const copied =
        f.duplicateRecordRate > 0
          ? previous.filter((_, j) => draw(seed, 'dup', key, i - 1, j) < f.duplicateRecordRate)
          : [];
      const contentId = generatedContentId(contentCreated, hour, i);
      const poison = this.poisonOf(contentId, hour, i);
      const ref: ContentRef = {
        contentId,
        contentType: GENERAL,
        contentCreated,
        listedCreated: contentCreated,
        listableAt: contentCreated + (late ? f.lateListingMinutes * MINUTE : 0),
      };
      if (poison) ref.poison = poison;
      if (poison === 'recovering') ref.recoversAt = recoveryTime(f, contentCreated);
      return {
        ref,
        relistedCreated: relist ? contentCreated + f.relistAfterMinutes * MINUTE : undefined,
        events: [...own, ...copied],
        // A poison blob is only poison: never malformed as well, so each fault is observed on its own.
        malformed:
          poison === undefined &&
          f.malformedBlobRate > 0 &&
          draw(seed, 'malformed', key, i) < f.malformedBlobRate,
      };
    });
  }
}
