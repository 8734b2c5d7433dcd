/**
 * The local host as a separate process (the CLI), so a test can SIGKILL it like a crashed worker while the stand-ins
 * (Azurite, simulator, Kusto) live on in the test process ({@link startStandIns}). The host's virtual clock stands
 * still at `t0`.
 */
import { join } from 'node:path';
import { startAzurite, type RunningAzurite } from '../../local/azurite';
import type { VirtualClock } from '../../local/clock';
import { startKustoLocal, type RunningKustoLocal } from '../../local/kusto';
import { startO365Sim, type RunningSim, type SimOptions } from '../../local/o365-sim';
import { appSettings, callApp } from '../../local/stack';
import { applyKustoSetup, KustoSink } from '../../src/kusto';
import { cliKustoSettings } from '../../src/kusto/cli-settings';
import { killHard, spawnHost, type ChildHost } from './child-host';
import { BASE_SETTINGS, TABLE } from './stack-harness';

/** Starts the app on the host CLI with its state in `stateDir`, its virtual clock standing at `t0`. */
export function spawnChildHost(
  stateDir: string,
  t0: number,
  env: Record<string, string>,
  key: string,
): Promise<ChildHost> {
  return spawnHost(
    ['--app', 'src/index.ts', '--state', stateDir, '--virtual-clock', new Date(t0).toISOString(), '--quiet'],
    { ...env, LOCAL_FUNCTION_KEY: key },
    30_000,
  );
}

export function callHost(
  host: ChildHost,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return callApp(host.baseUrl, key, method, path, body);
}

/**
 * The app's host as a child process that a test kills like a crashed worker and starts again on the same state (as
 * the platform restarts one); calls go to the process currently running, with the function key `key`.
 */
export interface RestartableHost {
  /** Starts a process on the host's state: the first one, or the next after a kill. */
  start(): Promise<void>;
  /** SIGKILLs the running process: nothing is flushed or closed. */
  kill(): Promise<void>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Stops the running process, if any, with SIGTERM (SIGKILL after a grace period). */
  stop(): Promise<void>;
}

export function restartableHost(
  stateDir: string,
  t0: number,
  env: Record<string, string>,
  key: string,
): RestartableHost {
  let current: ChildHost | undefined;
  const running = (): ChildHost => {
    if (!current) throw new Error('the host is not running');
    return current;
  };
  return {
    async start() {
      current = await spawnChildHost(stateDir, t0, env, key);
    },
    async kill() {
      await killHard(running());
      current = undefined;
    },
    call: (method, path, body) => callHost(running(), key, method, path, body),
    async stop() {
      await current?.stop();
      current = undefined;
    },
  };
}

/** The stand-ins a child host talks to, running in the test process so they outlive every kill of the host. */
export interface StandIns {
  azurite: RunningAzurite;
  sim: RunningSim;
  kusto: RunningKustoLocal;
  /** The app's settings for these stand-ins, with the tests' small windows ({@link BASE_SETTINGS}). */
  env: Record<string, string>;
  /** Reads the alert table (created, with the rest of the Kusto setup, before the host starts). */
  sink: KustoSink;
  close(): Promise<void>;
}

/**
 * Starts Azurite, the simulator (`sim` on `clock`) and the local Kusto endpoint on free ports with their state under
 * `stateDir`, and applies the Kusto setup as the deployer's setup would (the app only verifies its Kusto objects).
 */
export async function startStandIns(
  stateDir: string,
  clock: VirtualClock,
  sim: Omit<SimOptions, 'port' | 'clock'>,
): Promise<StandIns> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  };
  try {
    const azurite = await startAzurite({
      location: join(stateDir, 'azurite'),
      blobPort: 0,
      queuePort: 0,
      tablePort: 0,
    });
    closers.push(() => azurite.close());
    // The simulated content depends only on the seed and the clock's start, not on the hour the test runs at.
    const o365 = await startO365Sim({ epochMs: clock.now(), ...sim, port: 0, clock });
    closers.push(() => o365.close());
    const kusto = await startKustoLocal({ port: 0, stateDir: join(stateDir, 'kusto'), clock });
    closers.push(() => kusto.close());
    const env: Record<string, string> = {
      ...appSettings({}, { o365, kustoUrl: kusto.url, storageConnectionString: azurite.connectionString }),
      ...BASE_SETTINGS,
    };
    const sink = new KustoSink({
      clusterUrl: kusto.url,
      ingestUrl: kusto.url,
      database: env.KUSTO_DATABASE!,
      table: TABLE,
      ingestionMode: 'streaming',
    });
    closers.push(() => sink.close());
    await applyKustoSetup(cliKustoSettings(env));
    return { azurite, sim: o365, kusto, env, sink, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Polls `condition` every 2 ms until it holds; throws naming `what` when `deadline` (epoch ms) passes first. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  deadline: number,
): Promise<void> {
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
