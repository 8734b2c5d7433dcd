/**
 * The whole local stack for end-to-end and resilience tests: a throw-away state dir, free ports, no settings from the developer's
 * environment, a VirtualClock shared by the host, the simulator and the local Kusto, and helpers that read the table
 * and the API the way a user would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../local/clock';
import { startStack, type RunningStack, type StackSimOptions } from '../../local/stack';
import { KustoSink } from '../../src/kusto';
import type { PipelineStatus } from './status-body';

export type { PipelineStatus } from './status-body';

export const HOUR = 3_600_000;
export const TABLE = 'O365SecurityAlerts';

/** Small windows and volumes so a simulated day runs in seconds. */
export const BASE_SETTINGS: Record<string, string> = {
  PIPELINE_WINDOW_MINUTES: '60',
  PIPELINE_SETTLE_MINUTES: '5',
  PIPELINE_RELIST_OVERLAP_MINUTES: '120',
  KUSTO_INGESTION_MODE: 'streaming',
};

export const SMALL_TENANT = { recordsPerHour: 80, recordsPerBlob: 20 };

export interface TableRow {
  Id: string;
  RecordType: number;
  AlertId: string;
  InvestigationId: string;
  Status: string;
  AirVerdict: string;
  AirInvestigationId: string;
  ContentCreated: string;
  WindowStart: string;
  ContentId: string;
  OrganizationId: string;
  TenantName: string;
}

export interface E2eStack extends RunningStack {
  clock: VirtualClock;
  stateDir: string;
  rows(): Promise<TableRow[]>;
  /** GET /api/pipeline/status, asserting it answers 200. */
  status(): Promise<PipelineStatus>;
  dispose(): Promise<void>;
}

/** The current hour: the O365 client checks window rules against the simulator's Date header, i.e. the clock. */
export function currentHour(): number {
  return Math.floor(Date.now() / HOUR) * HOUR;
}

export interface E2eOptions {
  t0: number;
  /** Time skipping up to this instant; undefined = the clock stands still unless the test moves it. */
  untilMs?: number;
  startFrom?: number;
  sim?: StackSimOptions;
  settings?: Record<string, string>;
  stateDir?: string;
}

export async function startE2eStack(options: E2eOptions): Promise<E2eStack> {
  const clock = new VirtualClock(options.t0);
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'o365-e2e-'));
  let stack: RunningStack;
  try {
    stack = await startStack({
      stateDir,
      clock,
      timeSkipping: options.untilMs !== undefined ? { until: options.untilMs } : false,
      ports: { host: 0, rpc: 0, o365: 0, kusto: 0, azurite: [0, 0, 0] },
      // The simulated content depends only on the seed and t0, not on the hour the test runs at.
      sim: { epochMs: options.t0, ...options.sim },
      env: {},
      settings: { ...BASE_SETTINGS, ...(options.settings ?? {}) },
      startFrom: options.startFrom,
      log: process.env.E2E_VERBOSE ? (line) => console.log(line) : () => undefined,
    });
  } catch (error) {
    if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  const sink = new KustoSink({
    clusterUrl: stack.settings.KUSTO_CLUSTER_URL!,
    ingestUrl: stack.settings.KUSTO_CLUSTER_URL!,
    database: stack.settings.KUSTO_DATABASE!,
    table: TABLE,
    ingestionMode: 'streaming',
  });
  return {
    ...stack,
    clock,
    stateDir,
    rows: () =>
      sink.query<TableRow>(
        `${TABLE} | project Id, RecordType, AlertId, InvestigationId, Status, AirVerdict, AirInvestigationId, ` +
          'ContentCreated, WindowStart, ContentId, OrganizationId, TenantName',
      ),
    async status() {
      const reply = await stack.call('GET', '/api/pipeline/status');
      if (reply.status !== 200)
        throw new Error(`status answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      return reply.body as PipelineStatus;
    },
    async dispose() {
      // Activities still in flight would go on retrying against closed stand-ins and keep the process alive.
      await stack.host.waitForIdle(20_000).catch(() => undefined);
      await sink.close().catch(() => undefined);
      await stack.close();
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Waits until nothing runs and time skipping has gone as far as it may. */
export async function settle(stack: E2eStack, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await stack.host.waitForIdle(Math.max(1000, deadline - Date.now()));
    await new Promise((r) => setTimeout(r, 30));
    await stack.host.waitForIdle(Math.max(1000, deadline - Date.now()));
    const status = await stack.status();
    if (status.loop?.state === 'waiting' || status.loop?.state === 'stopped') return;
    if (Date.now() > deadline) throw new Error(`pipeline not settled: ${JSON.stringify(status.loop)}`);
  }
}

export function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

/** Ids that occur more than once, sorted (the table must hold each selected record exactly once). */
export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  return [...twice].sort();
}

/**
 * Two simulated days on a fresh stack: the pipeline starts two hours back and runs, time-skipped, until 46 hours
 * ahead. Resolves with the stack (the caller disposes of it) and the end of the run; a run that does not reach
 * the end disposes of the stack and throws.
 */
export async function runTwoSimulatedDays(
  options: Pick<E2eOptions, 'sim' | 'settings'>,
): Promise<{ stack: E2eStack; until: number }> {
  const t0 = currentHour();
  const until = t0 + 46 * HOUR;
  const stack = await startE2eStack({ ...options, t0, untilMs: until, startFrom: t0 - 2 * HOUR });
  try {
    await runUntil(stack, until, 240_000);
  } catch (error) {
    await stack.dispose();
    throw error;
  }
  return { stack, until };
}

/** Waits until the host is idle with the virtual clock at `untilMs` (time skipping stops there). */
export async function runUntil(
  stack: Pick<E2eStack, 'host' | 'clock'>,
  untilMs: number,
  timeoutMs = 60_000,
): Promise<void> {
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
