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
import { ensureTrustedProcess } from './lib/trust';
import { windowRun, type WindowRun } from './lib/window';
import { atMost, info, publish, type Figure } from './lib/figures';

const oneWindow = (blobs: number, recordsPerBlob: number): Promise<WindowRun> =>
  windowRun(1, blobs, recordsPerBlob);

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
