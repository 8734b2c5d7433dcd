/**
 * The whole local stack for the resilience suite: a throw-away state dir, free ports, no developer settings, a
 * VirtualClock shared by the host, the simulator and the local Kusto, and helpers that read the table and the status
 * the way a user would. Kept apart from test/e2e's harnesses so either can change without breaking the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../../local/clock';
import { startStack, type RunningStack, type StackSimOptions } from '../../../local/stack';
import type { Checkpoint } from '../../../activities/contracts';
import type { LoopStatus } from '../../../orchestrators/status';
import { KustoSink } from '../../../src/kusto';

export const HOUR = 3_600_000;
export const TABLE = 'O365SecurityAlerts';

export interface StatusBody {
  runtimeStatus: string;
  loop: LoopStatus | null;
  checkpoint: Checkpoint | null;
  faults: {
    requests: number;
    retries: number;
    throttled: number;
    byErrorCode: Record<string, number>;
  } | null;
}

export interface ResilienceStack extends RunningStack {
  clock: VirtualClock;
  ids(): Promise<string[]>;
  status(): Promise<StatusBody>;
  dispose(): Promise<void>;
}

export function currentHour(): number {
  return Math.floor(Date.now() / HOUR) * HOUR;
}

export async function startResilienceStack(options: {
  t0: number;
  untilMs?: number;
  startFrom?: number;
  sim?: StackSimOptions;
  settings?: Record<string, string>;
}): Promise<ResilienceStack> {
  const clock = new VirtualClock(options.t0);
  const stateDir = mkdtempSync(join(tmpdir(), 'o365-resilience-'));
  let stack: RunningStack;
  try {
    stack = await startStack({
      stateDir,
      clock,
      timeSkipping: options.untilMs !== undefined ? { until: options.untilMs } : false,
      ports: { host: 0, rpc: 0, o365: 0, kusto: 0, azurite: [0, 0, 0] },
      sim: options.sim,
      env: {},
      settings: {
        PIPELINE_WINDOW_MINUTES: '60',
        PIPELINE_SETTLE_MINUTES: '5',
        PIPELINE_RELIST_OVERLAP_MINUTES: '120',
        KUSTO_INGESTION_MODE: 'streaming',
        ...(options.settings ?? {}),
      },
      startFrom: options.startFrom,
      log: process.env.E2E_VERBOSE ? (line) => console.log(line) : () => undefined,
    });
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  const sink = new KustoSink({
    clusterUrl: stack.settings.KUSTO_CLUSTER_URL,
    ingestUrl: stack.settings.KUSTO_CLUSTER_URL,
    database: stack.settings.KUSTO_DATABASE,
    table: TABLE,
    ingestionMode: 'streaming',
  });
  return {
    ...stack,
    clock,
    async ids() {
      const rows = await sink.query<{ Id: string }>(`${TABLE} | project Id`).catch((e: Error) => {
        // Before the first ingestion the table does not exist yet.
        if (/not found|doesn't exist|does not exist|unknown table/i.test(e.message)) return [];
        throw e;
      });
      return rows.map((r) => r.Id).sort();
    },
    async status() {
      const reply = await stack.call('GET', '/api/pipeline/status');
      if (reply.status !== 200)
        throw new Error(`status answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      return reply.body as StatusBody;
    },
    async dispose() {
      await stack.host.waitForIdle(20_000).catch(() => undefined);
      await sink.close().catch(() => undefined);
      await stack.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the host is idle with the virtual clock at `untilMs` (time skipping stops there). */
export async function runUntil(stack: ResilienceStack, untilMs: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await stack.host.waitForIdle(Math.max(1000, deadline - Date.now()));
    const next = stack.clock.nextTimerAt();
    if (stack.clock.now() >= untilMs || next === undefined || next > untilMs) return;
    if (Date.now() > deadline) {
      throw new Error(
        `virtual clock at ${new Date(stack.clock.now()).toISOString()}, wanted ${new Date(untilMs).toISOString()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Record ids that appear more than once (the table must hold each selected record exactly once). */
export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  return [...twice].sort();
}
