/**
 * The whole pipeline on the local stack (Azurite, O365 simulator, local Kusto, local Durable host running the app)
 * in real time, for the figures that need the product end to end: the backlog drain, orchestration cost per blob,
 * freshness and memory. The stack starts on free ports in a throw-away state dir with no developer settings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite } from '../../local/azurite';
import type { Clock } from '../../local/clock';
import { startKustoLocal } from '../../local/kusto';
import { startStack, type RunningStack, type StackSimOptions } from '../../local/stack';
import { cliKustoSettings } from '../../src/kusto/cli-settings';
import { applyKustoSetup } from '../../src/kusto/setup';
import { KustoSink } from '../../src/kusto';
import type { PipelineStatus } from '../../test/harness/status-body';

export type { PipelineStatus } from '../../test/harness/status-body';

export const TABLE = 'O365SecurityAlerts';

export interface BenchStack {
  stack: RunningStack;
  status(): Promise<PipelineStatus>;
  /** Every tenant's status (one entry per configured tenant). */
  tenantStatuses(): Promise<PipelineStatus[]>;
  /** Rows in the table (count only). */
  rowCount(): Promise<number>;
  query<T>(kql: string): Promise<T[]>;
  dispose(): Promise<void>;
}

export async function startBenchStack(options: {
  sim: StackSimOptions;
  /** Default the system clock (real time). */
  clock?: Clock;
  startFromMs: number;
  settings?: Record<string, string>;
  /**
   * Queued ingestion through a local Kusto that holds each batch for the table's batching policy, as the service
   * does. The stack cannot start its Kusto that way, so the bench starts Azurite and Kusto itself and hands their
   * endpoints to the stack as real settings (the stack then starts neither), then applies the Kusto setup the stack
   * would have applied.
   */
  queuedWithBatching?: boolean;
}): Promise<BenchStack> {
  const stateDir = mkdtempSync(join(tmpdir(), 'o365-bench-'));
  const own: { close(): Promise<void> }[] = [];
  const closeOwn = async (): Promise<void> => {
    for (const piece of own.reverse()) await piece.close().catch(() => undefined);
  };
  let stack: RunningStack;
  const env: NodeJS.ProcessEnv = {};
  try {
    if (options.queuedWithBatching) {
      const azurite = await startAzurite({
        location: join(stateDir, 'azurite'),
        blobPort: 0,
        queuePort: 0,
        tablePort: 0,
      });
      own.push(azurite);
      const kusto = await startKustoLocal({
        port: 0,
        stateDir: join(stateDir, 'kusto'),
        azurite,
        honourBatchingPolicy: true,
      });
      own.push(kusto);
      env.AzureWebJobsStorage = azurite.connectionString;
      env.KUSTO_CLUSTER_URL = kusto.url;
      env.KUSTO_DATABASE = 'O365';
      env.KUSTO_INGESTION_MODE = 'queued';
      await applyKustoSetup(cliKustoSettings({ ...env, ...(options.settings ?? {}) }));
    }
    stack = await startStack({
      stateDir,
      ports: { host: 0, rpc: 0, o365: 0, kusto: 0, azurite: [0, 0, 0] },
      sim: options.sim,
      clock: options.clock,
      settings: {
        KUSTO_INGESTION_MODE: options.queuedWithBatching ? 'queued' : 'streaming',
        PIPELINE_WINDOW_MINUTES: '60',
        PIPELINE_SETTLE_MINUTES: '5',
        ...(options.settings ?? {}),
      },
      startFrom: new Date(options.startFromMs).toISOString(),
      env,
      log: process.env.BENCH_VERBOSE ? (l) => console.log(l) : () => undefined,
    });
  } catch (error) {
    await closeOwn();
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  const sink = new KustoSink({
    clusterUrl: stack.settings.KUSTO_CLUSTER_URL ?? env.KUSTO_CLUSTER_URL!,
    ingestUrl: stack.settings.KUSTO_CLUSTER_URL ?? env.KUSTO_CLUSTER_URL!,
    database: stack.settings.KUSTO_DATABASE ?? env.KUSTO_DATABASE!,
    table: TABLE,
    ingestionMode: 'streaming',
  });
  return {
    stack,
    async status() {
      const res = await stack.call('GET', '/api/pipeline/status');
      if (res.status !== 200) throw new Error(`status answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as PipelineStatus;
    },
    async tenantStatuses() {
      const res = await stack.call('GET', '/api/pipeline/status');
      if (res.status !== 200) throw new Error(`status answered ${res.status}: ${JSON.stringify(res.body)}`);
      return (res.body as { tenants: PipelineStatus[] }).tenants;
    },
    async rowCount() {
      const rows = await sink.query<{ n: number }>(`${TABLE} | count | project n = Count`);
      return Number(rows[0]?.n ?? 0);
    },
    query: (kql) => sink.query(kql),
    async dispose() {
      await sink.close();
      await stack.close();
      await closeOwn();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

function failIfStopped(s: PipelineStatus): void {
  if (s.runtimeStatus === 'Failed' || s.runtimeStatus === 'Terminated') {
    throw new Error(
      `pipeline${s.tenantId ? ` of tenant ${s.tenantId}` : ''} ${s.runtimeStatus}: ${JSON.stringify(s.loop?.recentFailures ?? [])}`,
    );
  }
}

const reached = (s: PipelineStatus, endMs: number): boolean =>
  s.checkpoint !== null && Date.parse(s.checkpoint.nextStart) >= endMs;

/** Polls the status until the checkpoint reaches `endMs` (or `timeoutMs` passes); returns the last status. */
export async function waitForCheckpoint(
  bench: BenchStack,
  endMs: number,
  timeoutMs: number,
  onTick?: (s: PipelineStatus) => void,
): Promise<PipelineStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await bench.status();
    onTick?.(s);
    if (reached(s, endMs)) return s;
    failIfStopped(s);
    if (Date.now() > deadline) {
      throw new Error(
        `checkpoint at ${s.checkpoint?.nextStart ?? 'none'} after ${timeoutMs} ms, wanted ${new Date(endMs).toISOString()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Polls every tenant's status until each checkpoint reaches `endMs` (or `timeoutMs` passes). Returns each tenant's
 * last status and the wall time (performance.now()) at which it was first seen done, so a tenant's rate is measured
 * over its own drain, not the slowest tenant's.
 */
export async function waitForTenants(
  bench: BenchStack,
  endMs: number,
  timeoutMs: number,
  pollMs = 500,
  onDone?: (tenantId: string) => void,
): Promise<Map<string, { status: PipelineStatus; doneAt: number }>> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, { status: PipelineStatus; doneAt: number }>();
  for (;;) {
    const all = await bench.tenantStatuses();
    const now = performance.now();
    for (const s of all) {
      if (!done.has(s.tenantId!) && reached(s, endMs)) {
        done.set(s.tenantId!, { status: s, doneAt: now });
        onDone?.(s.tenantId!);
      }
      if (!done.has(s.tenantId!)) failIfStopped(s);
    }
    if (done.size === all.length) return done;
    if (Date.now() > deadline) {
      const late = all.filter((s) => !done.has(s.tenantId!));
      throw new Error(
        `after ${timeoutMs} ms ${late.length} tenants had not reached ${new Date(endMs).toISOString()}: ${late.map((s) => `${s.tenantId} at ${s.checkpoint?.nextStart ?? 'none'}`).join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
