/**
 * Local Durable host throughput: fan-outs of 1,000 / 5,000 / 10,000 no-op activities, in batches of sub-orchestrations
 * (as the pipeline batches content blobs), measured side by side in one process after a warm-up. Prints activities per
 * second and the per-activity cost relative to the 1,000 run: flat (≈1.0) means cost grows linearly with the fan-out.
 *
 * `npm run bench -- host [--batch 500] [--sizes 1000,5000,10000]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startHost } from '../local/host';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { batch: { type: 'string' }, sizes: { type: 'string' } } });
  const batch = Number(values.batch ?? 500);
  const sizes = (values.sizes ?? '1000,5000,10000').split(',').map(Number);
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-host-'));
  const host = await startHost({
    appEntry: resolve(__dirname, '..', 'test', 'local', 'host', 'fixtures', 'durable-app.ts'),
    port: 0,
    rpcPort: 0,
    stateDir,
    functionKey: 'bench',
    log: () => undefined,
  });
  let run = 0;
  const fanOut = async (n: number, batched = true): Promise<number> => {
    const id = `bench-${run++}`;
    const t0 = process.hrtime.bigint();
    const orchestrator = batched ? 'batchedFanOut' : 'fanOut';
    const res = await fetch(`${host.rpcBaseUrl}orchestrators/${orchestrator}/${id}`, {
      method: 'POST',
      body: JSON.stringify({ n, batch, activity: 'noop' }),
    });
    if (res.status !== 202) throw new Error(`start failed: ${res.status}`);
    const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 600_000)) as {
      runtimeStatus: string;
      output: number;
    };
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const expected = ((n - 1) * n) / 2;
    if (status.runtimeStatus !== 'Completed' || status.output !== expected) {
      throw new Error(
        `fan-out of ${n} ended ${status.runtimeStatus} with ${String(status.output)} (expected ${expected})`,
      );
    }
    return ms;
  };
  try {
    await fanOut(1000); // warm-up: JIT, SQLite pages
    const table = async (title: string, batched: boolean): Promise<void> => {
      console.log(title);
      console.log('activities   time (ms)   activities/s   per-activity cost vs first');
      let baseline: number | undefined;
      for (const n of sizes) {
        const ms = await fanOut(n, batched);
        const perActivity = ms / n;
        baseline ??= perActivity;
        console.log(
          `${String(n).padStart(10)}   ${ms.toFixed(0).padStart(9)}   ${((n / ms) * 1000).toFixed(0).padStart(12)}   ${(perActivity / baseline).toFixed(2).padStart(8)}×`,
        );
      }
    };
    await table(
      `no-op activity fan-out, batches of ${batch} per sub-orchestration, maxConcurrentActivityFunctions from host.json`,
      true,
    );
    // For comparison only: one orchestration holding the whole fan-out in its history.
    await table('\nsame fan-out in one orchestration (no batching), for comparison', false);
  } finally {
    await host.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
