/**
 * The benchmark tenant: a multi-day Audit.General backlog served by the O365 simulator with realistic per-request
 * latency and an enforced request budget (the simulator answers AF429 past it, like the service). Every backlog
 * figure (sequential baseline, client-level budget, whole-pipeline drain) runs against the same scale, so their
 * ratios compare like with like.
 */
import { startO365Sim, type RunningSim, type SimCounters, type SimOptions } from '../../local/o365-sim';
import type { Config } from '../../src/config';
import { createManagementApiClient, type ManagementApiClient } from '../../src/o365';

export const HOUR_MS = 3_600_000;
export const CONTENT_TYPE = 'Audit.General';

export interface BacklogScale {
  /** Length of the backlog, ending one settle-delay before now. */
  hours: number;
  /** Content blobs per hour of the tenant (its size). */
  blobsPerHour: number;
  recordsPerBlob: number;
  latencyMs: { min: number; max: number };
  /** Requests per minute, enforced by the simulator and given to the client (O365_REQUESTS_PER_MINUTE). */
  budgetPerMinute: number;
  seed: number;
}

export const DEFAULT_SCALE: BacklogScale = {
  hours: 36,
  blobsPerHour: 60,
  recordsPerBlob: 10,
  latencyMs: { min: 100, max: 300 },
  budgetPerMinute: 1200,
  seed: 11,
};

export function describeScale(s: BacklogScale): string {
  return `${s.hours} h Audit.General backlog, ${s.blobsPerHour} blobs/h × ${s.recordsPerBlob} records, latency ${s.latencyMs.min}-${s.latencyMs.max} ms, budget ${s.budgetPerMinute} req/min (simulator-enforced), seed ${s.seed}`;
}

/** Simulator options for a scale; `budget: false` leaves the budget off (for figures that measure something else). */
export function simOptionsFor(scale: BacklogScale, budget = true): SimOptions {
  return {
    port: 0,
    seed: scale.seed,
    tenant: {
      recordsPerHour: scale.blobsPerHour * scale.recordsPerBlob,
      recordsPerBlob: scale.recordsPerBlob,
    },
    faults: {
      latencyMs: scale.latencyMs,
      requestBudgetPerMinute: budget ? scale.budgetPerMinute : 0,
    },
  };
}

export function startBacklogSim(scale: BacklogScale, budget = true): Promise<RunningSim> {
  return startO365Sim(simOptionsFor(scale, budget));
}

/** The backlog's range: whole hours ending at least `settleMinutes` before now. */
export function backlogRange(
  scale: Pick<BacklogScale, 'hours'>,
  nowMs = Date.now(),
  settleMinutes = 30,
): { startMs: number; endMs: number } {
  const endMs = Math.floor((nowMs - settleMinutes * 60_000) / HOUR_MS) * HOUR_MS;
  return { startMs: endMs - scale.hours * HOUR_MS, endMs };
}

export function o365SettingsFor(sim: RunningSim, requestsPerMinute: number): Config['o365'] {
  return {
    tenantId: sim.tenantId,
    auth: { kind: 'clientSecret', clientId: sim.clientId, clientSecret: sim.clientSecret },
    loginUrl: sim.loginUrl,
    apiUrl: sim.apiUrl,
    contentTypes: [CONTENT_TYPE],
    publisherId: sim.tenantId,
    requestsPerMinute,
  };
}

/** The real client, built from settings as the app builds it (real ClientSecretCredential over HTTPS). */
export function clientFor(sim: RunningSim, requestsPerMinute: number): Promise<ManagementApiClient> {
  return createManagementApiClient(o365SettingsFor(sim, requestsPerMinute));
}

/**
 * API requests the simulator counted (token requests excluded: they do not spend the budget), of the whole simulator
 * or of one snapshot (e.g. one tenant's `counters().byTenant[id]`).
 */
export function apiRequests(from: RunningSim | SimCounters): number {
  const r = 'requests' in from ? from.requests : from.counters().requests;
  return r.start + r.stop + r.subscriptions + r.list + r.content;
}
