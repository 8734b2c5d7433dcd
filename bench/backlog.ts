/**
 * Backlog drain against the request budget, side by side in one run on the same simulated tenant and latency:
 *  1. the sequential baseline (the original runbooks: list a window, fetch each blob one after another);
 *  2. the client-level budget figure (one real client, a wide concurrent fetch paced only by its shared budget);
 *  3. the whole pipeline draining the backlog on the local stack (orchestrations, archive, ingestion included).
 *
 *  4. the same drain with no budget at all, for the speed-up the pipeline's concurrency gives by itself.
 *
 * `npm run bench -- backlog [--hours 36] [--blobs-per-hour 60] [--budget 1200] [--seq-blobs 300] [--client-hours 24]
 *   [--only sequential,client,pipeline,unbounded]`
 */
import { benchArgs } from './lib/args';
import { ensureTrustedProcess } from './lib/trust';
import {
  apiRequests,
  backlogRange,
  clientFor,
  DEFAULT_SCALE,
  describeScale,
  HOUR_MS,
  simOptionsFor,
  startBacklogSim,
  type BacklogScale,
} from './lib/backlog';
import { runSequential } from './lib/sequential';
import { fetchAllConcurrently } from './lib/concurrent';
import { startBenchStack, waitForCheckpoint } from './lib/pipeline';
import { atLeast, atMost, info, publish, type Figure } from './lib/figures';
import { fullMinuteRate } from './lib/rates';

async function sequentialBaseline(
  scale: BacklogScale,
  maxBlobs: number,
): Promise<{ blobsPerSecond: number; figures: Figure[] }> {
  const sim = await startBacklogSim(scale);
  try {
    const client = await clientFor(sim, scale.budgetPerMinute);
    const r = await runSequential(client, backlogRange(scale), maxBlobs);
    const perMinute = (apiRequests(sim) / r.elapsedMs) * 60_000;
    return {
      blobsPerSecond: r.blobsPerSecond,
      figures: [
        info(
          'sequential: blobs/s',
          r.blobsPerSecond,
          '',
          `${r.blobs} blobs in ${r.windows} windows, ${(r.elapsedMs / 1000).toFixed(0)} s`,
        ),
        info('sequential: requests/min ÷ budget', perMinute / scale.budgetPerMinute),
      ],
    };
  } finally {
    await sim.close();
  }
}

async function clientLevel(scale: BacklogScale, hours: number): Promise<Figure[]> {
  const sim = await startBacklogSim(scale);
  try {
    const client = await clientFor(sim, scale.budgetPerMinute);
    const { endMs } = backlogRange(scale);
    const before = apiRequests(sim);
    const r = await fetchAllConcurrently(client, { startMs: endMs - hours * HOUR_MS, endMs }, 64);
    const requests = apiRequests(sim) - before;
    const overall = (requests / r.elapsedMs) * 60_000;
    const counters = sim.counters();
    const fullMinutes = fullMinuteRate(counters.budget.perMinute);
    return [
      atLeast(
        'client-level: requests/min ÷ budget (whole run)',
        overall / scale.budgetPerMinute,
        0.9,
        '',
        `${requests} requests in ${(r.elapsedMs / 1000).toFixed(0)} s, 64 in flight`,
      ),
      ...(fullMinutes
        ? [info('client-level: busiest full minute ÷ budget', fullMinutes.peak / scale.budgetPerMinute)]
        : []),
      atMost('client-level: throttled answers', counters.throttled, 0),
      atMost('client-level: failed fetches', r.failed, 0),
      atMost('client-level: peak minute ÷ budget', counters.budget.peakPerMinute / scale.budgetPerMinute, 1),
    ];
  } finally {
    await sim.close();
  }
}

async function pipelineDrain(scale: BacklogScale, sequentialBlobsPerSecond: number): Promise<Figure[]> {
  const range = backlogRange(scale);
  const bench = await startBenchStack({
    sim: simOptionsFor(scale),
    startFromMs: range.startMs,
    settings: { O365_REQUESTS_PER_MINUTE: String(scale.budgetPerMinute) },
  });
  try {
    const sim = bench.stack.sim!;
    const t0 = performance.now();
    let peakRss = 0;
    const status = await waitForCheckpoint(bench, range.endMs, 15 * 60_000, () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    });
    const elapsedMs = performance.now() - t0;
    const counters = sim.counters();
    const requests = apiRequests(sim);
    const overall = (requests / elapsedMs) * 60_000;
    const totals = status.checkpoint!.totals;
    const blobsPerSecond = (totals.fetched / elapsedMs) * 1000;
    const failedWindows = status.loop?.recentFailures.length ?? 0;
    const truth = sim.groundTruth(
      Date.parse(status.checkpoint!.origin),
      Date.parse(status.checkpoint!.nextStart),
    );
    const rows = await bench.rowCount();
    const fullMinutes = fullMinuteRate(counters.budget.perMinute);
    return [
      atLeast(
        'pipeline: requests/min ÷ budget (whole drain)',
        overall / scale.budgetPerMinute,
        0.9,
        '',
        `${requests} requests, ${totals.fetched} blobs, ${status.checkpoint!.windowsDone} windows in ${(elapsedMs / 1000).toFixed(0)} s`,
      ),
      ...(fullMinutes
        ? [
            atLeast(
              'pipeline: mean full minute ÷ budget',
              fullMinutes.mean / scale.budgetPerMinute,
              0.9,
              '',
              `${fullMinutes.minutes} full minutes`,
            ),
          ]
        : []),
      atMost('pipeline: throttled answers (simulator)', counters.throttled, 0),
      atMost('pipeline: peak minute ÷ budget', counters.budget.peakPerMinute / scale.budgetPerMinute, 1),
      atMost('pipeline: failed window attempts', failedWindows, 0),
      atLeast(
        'pipeline speed-up vs sequential (blobs/s)',
        blobsPerSecond / sequentialBlobsPerSecond,
        10,
        '×',
        `bound by budget: ≤ ${(scale.budgetPerMinute / 60 / sequentialBlobsPerSecond).toFixed(1)}× at this budget`,
      ),
      atMost(
        'pipeline: table rows − ground truth',
        rows - truth.ids.length,
        0,
        '',
        `${rows} rows, truth ${truth.ids.length}`,
      ),
      info('pipeline: peak RSS (whole stack in one process)', peakRss / 2 ** 20, 'MiB'),
    ];
  } finally {
    await bench.dispose();
  }
}

/**
 * The same backlog and latency with the budget taken away (simulator unlimited, client told 100,000/min): what the
 * pipeline's own concurrency achieves. Shown beside the budgeted drain because at a 2,000/min budget and ~200 ms
 * latency the speed-up over one-at-a-time fetching can never exceed ≈ 2,000 ÷ 300 ≈ 7×.
 */
async function pipelineUnbounded(scale: BacklogScale, sequentialBlobsPerSecond: number): Promise<Figure[]> {
  const range = backlogRange(scale);
  const bench = await startBenchStack({
    sim: simOptionsFor(scale, false),
    startFromMs: range.startMs,
    settings: { O365_REQUESTS_PER_MINUTE: '100000' },
  });
  try {
    const t0 = performance.now();
    const status = await waitForCheckpoint(bench, range.endMs, 15 * 60_000);
    const elapsedMs = performance.now() - t0;
    const totals = status.checkpoint!.totals;
    const blobsPerSecond = (totals.fetched / elapsedMs) * 1000;
    const requests = apiRequests(bench.stack.sim!);
    return [
      atLeast(
        'no budget: pipeline speed-up vs sequential (blobs/s)',
        blobsPerSecond / sequentialBlobsPerSecond,
        10,
        '×',
        `${totals.fetched} blobs in ${(elapsedMs / 1000).toFixed(0)} s, ${((requests / elapsedMs) * 60_000).toFixed(0)} req/min`,
      ),
      atMost('no budget: failed window attempts', status.loop?.recentFailures.length ?? 0, 0),
    ];
  } finally {
    await bench.dispose();
  }
}

async function main(): Promise<void> {
  if (!ensureTrustedProcess()) return;
  const { values, want } = benchArgs([
    'hours',
    'blobs-per-hour',
    'budget',
    'seq-blobs',
    'client-hours',
  ] as const);
  const scale: BacklogScale = {
    ...DEFAULT_SCALE,
    hours: Number(values.hours ?? DEFAULT_SCALE.hours),
    blobsPerHour: Number(values['blobs-per-hour'] ?? DEFAULT_SCALE.blobsPerHour),
    budgetPerMinute: Number(values.budget ?? DEFAULT_SCALE.budgetPerMinute),
  };
  console.log(`scale: ${describeScale(scale)}`);
  const figures: Figure[] = [];
  let seqRate = Number.NaN;
  if (want('sequential') || want('pipeline') || want('unbounded')) {
    const seq = await sequentialBaseline(scale, Number(values['seq-blobs'] ?? 300));
    seqRate = seq.blobsPerSecond;
    figures.push(...seq.figures);
  }
  if (want('client')) figures.push(...(await clientLevel(scale, Number(values['client-hours'] ?? 24))));
  if (want('pipeline')) figures.push(...(await pipelineDrain(scale, seqRate)));
  if (want('unbounded')) figures.push(...(await pipelineUnbounded(scale, seqRate)));
  const report = publish('backlog', describeScale(scale), figures);
  if (report.figures.some((f) => f.pass === false)) process.exitCode = 0; // figures, not a test: MISS is reported
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
