/**
 * The app on the local Durable host with its three stand-ins (O365 simulator, local Kusto, Azurite), under a
 * VirtualClock the test drives itself. Unlike the e2e harness it does not let the host skip time on its own: tests
 * here change the world between phases (break Kusto, mend it, seed a stale checkpoint), so each phase advances the
 * clock timer by timer up to a bound and returns with the host idle.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../local/clock';
import { callApp, startStack, type RunningStack, type StackSimOptions } from '../../local/stack';
import type { LedgerEntry } from '../../src/pipeline/model';
import { ArchiveStore } from '../../src/archive';
import { loadConfig } from '../../src/config';
import { KustoSink } from '../../src/kusto';
import { BASE_SETTINGS, currentHour } from './stack-harness';
import type { PipelineStatus } from './status-body';

export const MINUTE = 60_000;
export { currentHour, HOUR } from './stack-harness';

export type { PipelineStatus } from './status-body';

/** A ledger entry as GET /api/pipeline/windows shows it (content ids replaced by their count). */
export type WindowView = Omit<LedgerEntry, 'contentIds'> & { blobs: number };

export interface Reply {
  status: number;
  body: unknown;
}

export interface PipelineHost {
  stack: RunningStack;
  clock: VirtualClock;
  t0: number;
  /** POST/GET an app route with the function key (body serialised as JSON unless it is a string). */
  call(method: string, path: string, body?: unknown): Promise<Reply>;
  /** POST /api/pipeline/start, with `startFrom` when `startFromMs` is given, asserting it answers 202 Accepted. */
  startLoop(startFromMs?: number): Promise<void>;
  status(): Promise<PipelineStatus>;
  windows(fromMs: number, toMs: number): Promise<WindowView[]>;
  /** Record Ids in the alert table, sorted (duplicates kept, so a test can see them). */
  tableIds(): Promise<string[]>;
  /**
   * Asserts the alert table holds every Id once and exactly the simulator's ground truth for [fromMs, toMs);
   * returns the table's Ids.
   */
  assertTableIsGroundTruth(fromMs: number, toMs: number): Promise<string[]>;
  /** Any KQL query against the app's database. */
  kusto<T>(query: string): Promise<T[]>;
  /** The app's archive (the same container and account the app writes to). */
  archive(): ArchiveStore;
  /**
   * Fires durable timers one at a time, waiting for the host to go idle between them, until the next timer lies
   * after `untilMs`. The clock then stands at the last timer fired (≤ untilMs).
   */
  driveUntil(untilMs: number, timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function startPipelineHost(options: {
  t0?: number;
  sim?: StackSimOptions;
  settings?: Record<string, string>;
  /** Every line the stack and the app log (the app's own lines come as `[<function>] <level>: <message>`). */
  log?: (line: string) => void;
}): Promise<PipelineHost> {
  const t0 = options.t0 ?? currentHour();
  const clock = new VirtualClock(t0);
  const stateDir = mkdtempSync(join(tmpdir(), 'o365-pipeline-'));
  let stack: RunningStack;
  try {
    stack = await startStack({
      stateDir,
      clock,
      timeSkipping: false,
      ports: { host: 0, rpc: 0, o365: 0, kusto: 0, azurite: [0, 0, 0] },
      // The simulated content depends only on the seed and t0, not on the hour the test runs at.
      sim: { epochMs: t0, ...options.sim },
      settings: { ...BASE_SETTINGS, ...(options.settings ?? {}) },
      // Settings come only from the stand-ins and `settings`, never from the developer's shell.
      env: {},
      log: (line) => {
        options.log?.(line);
        if (process.env.PIPELINE_TEST_VERBOSE) console.log(line);
      },
    });
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  const config = loadConfig(stack.settings);
  const sink = new KustoSink(config.kusto);
  const archive = ArchiveStore.fromConfig(config.storage);

  const call = (method: string, path: string, body?: unknown): Promise<Reply> =>
    callApp(stack.baseUrl, stack.functionKey, method, path, body);

  const tableIds = async (): Promise<string[]> => {
    const rows = await sink.query<{ Id: string }>(`${config.kusto.table} | project Id`);
    return rows.map((r) => String(r.Id)).sort();
  };

  return {
    stack,
    clock,
    t0,
    call,
    async startLoop(startFromMs) {
      const started =
        startFromMs === undefined
          ? await call('POST', '/api/pipeline/start')
          : await call('POST', '/api/pipeline/start', { startFrom: new Date(startFromMs).toISOString() });
      assert.equal(started.status, 202, JSON.stringify(started.body));
    },
    async status() {
      const reply = await call('GET', '/api/pipeline/status');
      if (reply.status !== 200)
        throw new Error(`status answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      return reply.body as PipelineStatus;
    },
    async windows(fromMs, toMs) {
      const q = `from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`;
      const reply = await call('GET', `/api/pipeline/windows?${q}`);
      if (reply.status !== 200)
        throw new Error(`windows answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      return (reply.body as { windows: WindowView[] }).windows;
    },
    kusto: (query) => sink.query(query),
    tableIds,
    async assertTableIsGroundTruth(fromMs, toMs) {
      const ids = await tableIds();
      assert.deepEqual(duplicatesIn(ids), []);
      assert.deepEqual(ids, stack.sim!.groundTruth(fromMs, toMs).ids);
      return ids;
    },
    archive: () => archive,
    async driveUntil(untilMs, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await stack.host.waitForIdle(Math.max(1_000, deadline - Date.now()));
        const next = clock.nextTimerAt();
        if (next === undefined || next > untilMs) return;
        if (Date.now() > deadline) {
          throw new Error(
            `driveUntil: clock at ${new Date(clock.now()).toISOString()} after ${timeoutMs} ms, not ${new Date(untilMs).toISOString()}`,
          );
        }
        clock.advanceTo(next);
      }
    },
    async dispose() {
      await sink.close().catch(() => undefined);
      await stack.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Ids that occur more than once in a sorted list. */
export function duplicatesIn(sortedIds: string[]): string[] {
  return sortedIds.filter((id, i) => i > 0 && sortedIds[i - 1] === id);
}
