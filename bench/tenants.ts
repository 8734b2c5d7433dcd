/**
 * Many tenants on one app, side by side in one run on this machine:
 *  1. orchestration cost per blob, one tenant vs ten tenants: one whole window of the same size per tenant through the
 *     whole pipeline (no latency, no budget), host CPU and wall time per blob, and their ratio (target: flat);
 *  2. ten tenants draining a 24-hour backlog at once on the whole local stack: the simulator answers with realistic
 *     latency and enforces each tenant's own request budget (per tenant and publisher, as the service does), and each
 *     tenant's client is given the same budget through O365_TENANTS `requestsPerMinute`. Per tenant: requests/min as
 *     a ratio of its own budget (target ≥ 0.9) and throttled answers (target 0); peak RSS of the whole stack.
 *
 * The budgets are small and the backlogs sized so each tenant drains in a few minutes: the budget, not the CPU, is
 * what limits the drain (the total request rate of all tenants stays near what one tenant drains at in the backlog
 * benchmark). Benchmarks are figures, not tests: a MISS is printed, never failed.
 *
 * `npm run bench -- tenants [--tenants 10] [--budgets 60-150] [--drain-minutes 3] [--window-minutes 60]
 *   [--window-blobs 500] [--only window,drain]`
 */
import { benchArgs } from './lib/args';
import { ensureTrustedProcess } from './lib/trust';
import { apiRequests, CONTENT_TYPE, HOUR_MS } from './lib/backlog';
import { startBenchStack, waitForTenants } from './lib/pipeline';
import { atLeast, atMost, info, publish, type Figure } from './lib/figures';
import { fullMinuteRate } from './lib/rates';
import { RssSampler } from './lib/rss';
import { simTenants, windowRun } from './lib/window';
import type { SimCounters } from '../local/o365-sim';

const OPTIONS = ['tenants', 'budgets', 'drain-minutes', 'window-blobs', 'window-minutes'] as const;
const HOURS = 24;
const RECORDS_PER_BLOB = 10;
const LATENCY_MS = { min: 100, max: 300 };

interface DrainScale {
  tenants: number;
  windowMinutes: number;
  budgets: number[];
  blobsPerHour: number[];
}

/** Budgets spread evenly from `low` to `high`; each tenant's backlog sized to drain in about `minutes` at its budget. */
function drainScale(
  tenants: number,
  low: number,
  high: number,
  minutes: number,
  windowMinutes: number,
): DrainScale {
  const budgets = Array.from({ length: tenants }, (_, i) =>
    Math.round(tenants === 1 ? low : low + ((high - low) * i) / (tenants - 1)),
  );
  // Per window: about two listing requests (the window and its re-listing overlap) plus one fetch per blob.
  const windows = (HOURS * 60) / windowMinutes;
  const blobsPerHour = budgets.map((b) => Math.max(1, Math.round((b * minutes - 2 * windows) / HOURS)));
  return { tenants, windowMinutes, budgets, blobsPerHour };
}

function describeDrain(s: DrainScale): string {
  const blobs = s.blobsPerHour.reduce((a, b) => a + b, 0) * HOURS;
  return `${s.tenants} tenants × ${HOURS} h Audit.General backlog, budgets ${s.budgets.join('/')} req/min (simulator per tenant = client's O365_TENANTS requestsPerMinute), ${s.blobsPerHour.join('/')} blobs/h × ${RECORDS_PER_BLOB} records (${blobs} blobs in all), latency ${LATENCY_MS.min}-${LATENCY_MS.max} ms, ${s.windowMinutes}-min windows`;
}

async function windowCost(tenants: number, blobs: number): Promise<Figure[]> {
  await windowRun(1, 300, 5); // warm-up: JIT, module loading, SQLite pages (not counted)
  const one = await windowRun(1, blobs, 5);
  const many = await windowRun(tenants, blobs, 5);
  const cpu1 = one.cpuMs / one.fetched;
  const cpuN = many.cpuMs / many.fetched;
  const wall1 = one.ms / one.fetched;
  const wallN = many.ms / many.fetched;
  const note = (r: typeof one) =>
    `${r.fetched} blobs in ${(r.ms / 1000).toFixed(1)} s, ${(r.cpuMs / 1000).toFixed(1)} s CPU; rows = ground truth: ${r.rowsOk}`;
  return [
    info('window, 1 tenant: host CPU ms per blob', cpu1, 'ms', note(one)),
    info(`window, ${tenants} tenants: host CPU ms per blob`, cpuN, 'ms', note(many)),
    atMost(`CPU per blob, ${tenants} tenants ÷ 1 tenant`, cpuN / cpu1, 1.5, '×'),
    info('window, 1 tenant: wall ms per blob', wall1, 'ms'),
    info(`window, ${tenants} tenants: wall ms per blob`, wallN, 'ms'),
    info(
      `wall per blob, ${tenants} tenants ÷ 1 tenant`,
      wallN / wall1,
      '×',
      'the tenants run concurrently on 2 cores',
    ),
    info(`peak RSS, ${tenants}-tenant window (whole stack)`, many.peakRssMiB, 'MiB'),
  ];
}

async function drain(scale: DrainScale): Promise<Figure[]> {
  // Minute-aligned, ending 10 minutes ago: the live window after the backlog is due only ~55 minutes later (settle
  // 5 min), so no tenant ingests past the range before the rows are compared with the ground truth.
  const endMs = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
  const range = { startMs: endMs - HOURS * HOUR_MS, endMs };
  const tenants = simTenants(scale.tenants, (i) => ({
    profile: {
      recordsPerHour: scale.blobsPerHour[i] * RECORDS_PER_BLOB,
      recordsPerBlob: RECORDS_PER_BLOB,
    },
    faults: { requestBudgetPerMinute: scale.budgets[i] },
  }));
  const overrides = Object.fromEntries(
    tenants.map((t, i) => [t.tenantId, { requestsPerMinute: scale.budgets[i] }]),
  );
  const bench = await startBenchStack({
    sim: { seed: 11, faults: { latencyMs: LATENCY_MS }, tenants },
    startFromMs: range.startMs,
    settings: {
      O365_CONTENT_TYPES: CONTENT_TYPE,
      O365_TENANTS: JSON.stringify(overrides),
      PIPELINE_WINDOW_MINUTES: String(scale.windowMinutes),
    },
  });
  try {
    const sim = bench.stack.sim!;
    const rss = new RssSampler();
    // The whole stack but Azurite runs on this process's one event loop: how busy it was tells whether the drain
    // was paced by the budgets or by this process's CPU.
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const atDone = new Map<string, SimCounters>();
    const done = await waitForTenants(bench, range.endMs, 15 * 60_000, 500, (tenantId) => {
      atDone.set(tenantId, sim.counters().byTenant![tenantId]);
    });
    const peakRss = rss.stop();
    const elapsedMs = performance.now() - t0;
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const figures: Figure[] = [];
    let worst = Number.POSITIVE_INFINITY;
    let throttled = 0;
    let rowsTruth = 0;
    let fetched = 0;
    let windowsDone = 0;
    tenants.forEach((t, i) => {
      const budget = scale.budgets[i];
      const c = atDone.get(t.tenantId)!;
      const { status, doneAt } = done.get(t.tenantId)!;
      const ms = doneAt - t0;
      const ratio = ((apiRequests(c) / ms) * 60_000) / budget;
      worst = Math.min(worst, ratio);
      throttled += c.throttled;
      const cp = status.checkpoint!;
      fetched += cp.totals.fetched;
      windowsDone += cp.windowsDone;
      rowsTruth += sim.groundTruth(Date.parse(cp.origin), Date.parse(cp.nextStart), {
        tenantId: t.tenantId,
      }).ids.length;
      const full = fullMinuteRate(c.budget.perMinute);
      figures.push(
        atLeast(
          `${t.name}: requests/min ÷ own budget`,
          ratio,
          0.9,
          '',
          `budget ${budget}/min: ${apiRequests(c)} requests, ${cp.totals.fetched} blobs in ${(ms / 1000).toFixed(0)} s${full ? `; full minutes ${(full.mean / budget).toFixed(2)} (${full.minutes})` : ''}; client retries ${status.faults?.retries ?? '?'}`,
        ),
        atMost(`${t.name}: throttled answers`, c.throttled, 0),
      );
    });
    const rows = await bench.rowCount();
    return [
      ...figures,
      info(
        'lowest tenant ratio to its budget',
        worst,
        '',
        `${fetched} blobs in ${(elapsedMs / 1000).toFixed(0)} s for all tenants`,
      ),
      atMost('throttled answers, all tenants', throttled, 0),
      info(
        'event-loop utilisation of the stack process during the drain',
        elu,
        '',
        `process CPU ${(cpuMs / 1000).toFixed(0)} s in ${(elapsedMs / 1000).toFixed(0)} s wall = ${(cpuMs / elapsedMs).toFixed(2)} cores; ${(cpuMs / windowsDone).toFixed(0)} ms CPU per window run (${windowsDone} runs)`,
      ),
      atMost('table rows − ground truth (all tenants)', rows - rowsTruth, 0, '', `${rows} rows`),
      info(`peak RSS, ${scale.tenants}-tenant drain (whole stack in one process)`, peakRss, 'MiB'),
    ];
  } finally {
    await bench.dispose();
  }
}

async function main(): Promise<void> {
  if (!ensureTrustedProcess()) return;
  const { values, want } = benchArgs(OPTIONS);
  const n = Number(values.tenants ?? 10);
  const [low, high] = (values.budgets ?? '60-150').split('-').map(Number);
  const scale = drainScale(
    n,
    low,
    high ?? low,
    Number(values['drain-minutes'] ?? 3),
    Number(values['window-minutes'] ?? 60),
  );
  const windowBlobs = Number(values['window-blobs'] ?? 500);
  const figures: Figure[] = [];
  const scales: string[] = [];
  if (want('window')) {
    scales.push(
      `cost: one 60-min window of ${windowBlobs} blobs × 5 records per tenant, 1 vs ${n} tenants, no latency, no budget, fresh stack each`,
    );
    figures.push(...(await windowCost(n, windowBlobs)));
  }
  if (want('drain')) {
    scales.push(
      `drain: ${describeDrain(scale)}; sized so the budgets, not the CPU, should be the limit (event-loop and CPU figures show how busy the stack process was)`,
    );
    figures.push(...(await drain(scale)));
  }
  publish('tenants', scales.join('; '), figures);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
