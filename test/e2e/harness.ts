/** The whole stack for end-to-end tests: temp state, free ports, a VirtualClock with time skipping. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../local/clock';
import { startStack, type RunningStack, type StackOptions } from '../../local/stack';
import { KustoSink } from '../../src/kusto';
import type { Checkpoint } from '../../activities/contracts';
import type { LoopStatus } from '../../orchestrators/status';

/** What GET /api/pipeline/status answers (the fields these tests read). */
export interface StatusBody {
  runtimeStatus: string;
  loop: LoopStatus | null;
  checkpoint: Checkpoint | null;
  lagMinutes: number | null;
  recentWindows: { contentType: string; windowStart: string; status: string; blobs: number; runs: number }[];
  faults: {
    requests: number;
    retries: number;
    throttled: number;
    byErrorCode: Record<string, number>;
  } | null;
}

export const HOUR = 60 * 60 * 1000;

export interface E2eStack extends RunningStack {
  clock: VirtualClock;
  t0: number;
  stateDir: string;
  table(): Promise<
    { Id: string; RecordType: number; AlertId: string; AirVerdict: string; AirInvestigationId: string }[]
  >;
  status(): Promise<StatusBody>;
  dispose(): Promise<void>;
}

/** A fixed hour boundary near now: the simulator and the O365 client's skew handling expect roughly real time. */
export function hourNow(): number {
  return Math.floor(Date.now() / HOUR) * HOUR;
}

export async function startE2eStack(options: {
  t0?: number;
  untilMs: number;
  startFrom: number;
  sim?: StackOptions['sim'];
  settings?: Record<string, string>;
}): Promise<E2eStack> {
  const t0 = options.t0 ?? hourNow();
  const clock = new VirtualClock(t0);
  const stateDir = mkdtempSync(join(tmpdir(), 'o365-e2e-'));
  const stack = await startStack({
    stateDir,
    clock,
    timeSkipping: { until: options.untilMs },
    ports: { host: 0, rpc: 0, o365: 0, kusto: 0, azurite: [0, 0, 0] },
    sim: options.sim,
    settings: {
      KUSTO_INGESTION_MODE: 'streaming',
      PIPELINE_WINDOW_MINUTES: '60',
      PIPELINE_SETTLE_MINUTES: '5',
      PIPELINE_RELIST_OVERLAP_MINUTES: '120',
      ...(options.settings ?? {}),
    },
    startFrom: new Date(options.startFrom).toISOString(),
    env: {},
    log: process.env.E2E_VERBOSE ? (l) => console.log(l) : () => undefined,
  });
  const sink = new KustoSink({
    clusterUrl: stack.settings.KUSTO_CLUSTER_URL,
    ingestUrl: stack.settings.KUSTO_CLUSTER_URL,
    database: stack.settings.KUSTO_DATABASE,
    table: 'O365SecurityAlerts',
    ingestionMode: 'streaming',
  });
  return {
    ...stack,
    clock,
    t0,
    stateDir,
    table: () =>
      sink.query('O365SecurityAlerts | project Id, RecordType, AlertId, AirVerdict, AirInvestigationId'),
    async status() {
      const res = await stack.call('GET', '/api/pipeline/status');
      if (res.status !== 200) throw new Error(`status answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as StatusBody;
    },
    async dispose() {
      await sink.close();
      await stack.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the host is idle with the clock at `untilMs` (time skipping stops there). */
export async function runUntil(stack: E2eStack, untilMs: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await stack.host.waitForIdle(Math.max(1000, deadline - Date.now()));
    const next = stack.clock.nextTimerAt();
    if (stack.clock.now() >= untilMs || next === undefined || next > untilMs) return;
    if (Date.now() > deadline)
      throw new Error(
        `virtual clock at ${new Date(stack.clock.now()).toISOString()}, not ${new Date(untilMs).toISOString()}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}
