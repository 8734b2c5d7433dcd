/**
 * Orchestration cost per content blob: one window of 1,000 / 5,000 / 10,000 blobs through the whole pipeline on the
 * local stack (list → batched fetch fan-out → archive → select → correlate → ingest → ledger → checkpoint), with no
 * simulated latency and no budget so the figure is the pipeline's own cost. Each size runs on a fresh stack; the time
 * per blob relative to the 1,000-blob window must stay flat (target ≤ 1.5×). Also prints the peak RSS of the process
 * while the largest window ran (the whole stack — Azurite, simulator, Kusto, host and app — lives in this process).
 *
 * `npm run bench -- orchestration [--sizes 1000,5000,10000] [--records-per-blob 5]`
 */
import { parseArgs } from 'node:util';
import { VirtualClock } from '../local/clock';
import { ensureTrustedProcess } from './lib/trust';
import { HOUR_MS } from './lib/backlog';
import { startBenchStack, waitForCheckpoint } from './lib/pipeline';
import { atMost, info, publish, type Figure } from './lib/figures';
import { RssSampler } from './lib/rss';

interface WindowRun {
  blobs: number;
  fetched: number;
  ms: number;
  peakRssMiB: number;
  rowsOk: boolean;
}

async function oneWindow(blobs: number, recordsPerBlob: number): Promise<WindowRun> {
  // A virtual clock standing still 10 minutes into the hour: exactly one whole window is due, then the loop waits.
  const t0 = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 10 * 60_000;
  const windowStart = Math.floor(t0 / HOUR_MS) * HOUR_MS - HOUR_MS;
  const bench = await startBenchStack({
    clock: new VirtualClock(t0),
    sim: {
      seed: 5,
      // Content starts with the window, so the re-listing overlap before it holds nothing.
      tenant: {
        recordsPerHour: blobs * recordsPerBlob,
        recordsPerBlob,
        contentStartMs: windowStart,
        availabilityDelayMinutes: 0,
      },
    },
    startFromMs: windowStart,
    settings: { O365_REQUESTS_PER_MINUTE: '100000' },
  });
  try {
    const rss = new RssSampler();
    const t = performance.now();
    const status = await waitForCheckpoint(bench, windowStart + HOUR_MS, 10 * 60_000);
    const ms = performance.now() - t;
    const peakRssMiB = rss.stop();
    const cp = status.checkpoint!;
    const truth = bench.stack.sim!.groundTruth(Date.parse(cp.origin), Date.parse(cp.nextStart));
    const rows = await bench.rowCount();
    return { blobs, fetched: cp.totals.fetched, ms, peakRssMiB, rowsOk: rows === truth.ids.length };
  } finally {
    await bench.dispose();
  }
}

async function main(): Promise<void> {
  if (!ensureTrustedProcess()) return;
  const { values } = parseArgs({
    options: { sizes: { type: 'string' }, 'records-per-blob': { type: 'string' } },
  });
  const sizes = (values.sizes ?? '1000,5000,10000').split(',').map(Number);
  const recordsPerBlob = Number(values['records-per-blob'] ?? 5);
  const figures: Figure[] = [];
  let base: number | undefined;
  let largest: WindowRun | undefined;
  await oneWindow(300, recordsPerBlob); // warm-up: JIT, module loading, SQLite pages (not counted)
  for (const n of sizes) {
    const run = await oneWindow(n, recordsPerBlob);
    const perBlob = run.ms / run.fetched;
    base ??= perBlob;
    figures.push(
      info(
        `${n} blobs/window: ms per blob`,
        perBlob,
        'ms',
        `${run.fetched} fetched in ${(run.ms / 1000).toFixed(1)} s; rows = ground truth: ${run.rowsOk}`,
      ),
    );
    figures.push(atMost(`${n} blobs/window: per-blob cost ÷ first size`, perBlob / base, 1.5, '×'));
    if (!largest || n > largest.blobs) largest = run;
  }
  if (largest)
    figures.push(
      info(`peak RSS during the ${largest.blobs}-blob window (whole stack)`, largest.peakRssMiB, 'MiB'),
    );
  publish(
    'orchestration',
    `one 60-min window per size, ${recordsPerBlob} records/blob, no latency, no budget, fresh stack per size`,
    figures,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
