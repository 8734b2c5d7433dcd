/**
 * One whole window through the whole pipeline on the local stack, for each of `tenants` tenants at once (list →
 * batched fetch fan-out → archive → select → correlate → ingest → ledger → checkpoint), with no simulated latency and
 * no budget, so the time and CPU measured are the pipeline's own cost. A virtual clock stands still 10 minutes into
 * the hour: exactly one window is due per tenant, then every loop waits.
 */
import { VirtualClock } from '../../local/clock';
import type { SimTenantOptions } from '../../local/o365-sim';
import { HOUR_MS } from './backlog';
import { startBenchStack, waitForTenants } from './pipeline';
import { RssSampler } from './rss';

export interface WindowRun {
  tenants: number;
  /** Blobs per tenant in the window. */
  blobs: number;
  /** Blobs fetched, all tenants together. */
  fetched: number;
  /** Wall time until every tenant's checkpoint passed the window. */
  ms: number;
  /** CPU time of this process (user + system) in that time; the whole stack runs in it. */
  cpuMs: number;
  peakRssMiB: number;
  /** Table rows = the simulator's ground truth summed over the tenants. */
  rowsOk: boolean;
}

/** Deterministic tenant GUIDs for benchmarks: 00000000-0000-4000-8000-00000000000N. */
export function benchTenantIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
}

/** Simulator tenants with the given per-tenant profile and faults (one seed each). */
export function simTenants(
  n: number,
  each: (index: number) => Pick<SimTenantOptions, 'profile' | 'faults'>,
): SimTenantOptions[] {
  return benchTenantIds(n).map((tenantId, i) => ({ tenantId, name: `bench-${i + 1}`, ...each(i) }));
}

export async function windowRun(tenants: number, blobs: number, recordsPerBlob: number): Promise<WindowRun> {
  const t0 = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 10 * 60_000;
  const windowStart = Math.floor(t0 / HOUR_MS) * HOUR_MS - HOUR_MS;
  const bench = await startBenchStack({
    clock: new VirtualClock(t0),
    sim: {
      seed: 5,
      tenants: simTenants(tenants, () => ({
        // Content starts with the window, so the re-listing overlap before it holds nothing.
        profile: {
          recordsPerHour: blobs * recordsPerBlob,
          recordsPerBlob,
          contentStartMs: windowStart,
          availabilityDelayMinutes: 0,
        },
      })),
    },
    startFromMs: windowStart,
    settings: { O365_REQUESTS_PER_MINUTE: '100000' },
  });
  try {
    const rss = new RssSampler();
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    const done = await waitForTenants(bench, windowStart + HOUR_MS, 10 * 60_000, 250);
    const ms = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    const peakRssMiB = rss.stop();
    const sim = bench.stack.sim!;
    let fetched = 0;
    let truth = 0;
    for (const [tenantId, { status }] of done) {
      const cp = status.checkpoint!;
      fetched += cp.totals.fetched;
      truth += sim.groundTruth(Date.parse(cp.origin), Date.parse(cp.nextStart), { tenantId }).ids.length;
    }
    const rows = await bench.rowCount();
    return {
      tenants,
      blobs,
      fetched,
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMiB,
      rowsOk: rows === truth,
    };
  } finally {
    await bench.dispose();
  }
}
