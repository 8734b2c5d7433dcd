/**
 * The local Durable Functions host: loads an app's entry module through the `@azure/functions-core` shim, serves its
 * HTTP triggers and the Durable webhooks, answers `df.getClient` on the RPC port, runs orchestrations through the real
 * durable-functions replay engine, and keeps state in SQLite under the state dir so a restart resumes everything.
 *
 * One process holds one `@azure/functions` module (a singleton), so registrations go to the host that is loading;
 * several hosts in one process need different entry files that register their functions at load time.
 */
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { SystemClock, type Clock } from '../clock';
import { durableClientPayload, statusJson, type ClientEndpoints } from './client-payload';
import { installCoreShim, withRegistrationSink, type RpcTypedData } from './core-shim';
import { createDurableApi } from './durable-api';
import { DurableEngine } from './engine';
import { readHostJson } from './host-config';
import { createPublicServer } from './http-server';
import { createRpcServer } from './rpc-server';
import { resolveFunctionKey } from './keys';
import { FunctionRegistry, type RegisteredFunction } from './registry';
import { lockStateDir } from './state-lock';
import { HostStore } from './store';
import { TimeSkipper } from './time-skipper';
import { TimerTriggers } from './timer-triggers';

export interface HostOptions {
  appEntry: string; // app entry module path (.ts works because tests run under tsx; .js too)
  appRoot?: string; // folder holding host.json (default: project root)
  port?: number; // app routes + /runtime/webhooks; default 7071; 0 = free port
  rpcPort?: number; // Durable RPC; default 17071; 0 = free port
  stateDir?: string; // default <appRoot>/.local/host
  clock?: Clock; // from local/clock.ts; default SystemClock
  timeSkipping?: boolean | { until?: number }; // VirtualClock only: when no work is in flight, advance the clock to the next timer (never past `until`)
  functionKey?: string; // default LOCAL_FUNCTION_KEY env, else generated once and kept in stateDir
  env?: Record<string, string>; // merged into process.env before the app is loaded
  log?: (line: string) => void;
}

export interface RunningHost {
  baseUrl: string; // http://127.0.0.1:<port>
  rpcBaseUrl: string; // http://127.0.0.1:<rpcPort>/durabletask/
  functionKey: string;
  clock: Clock;
  waitForIdle(timeoutMs?: number): Promise<void>; // nothing in flight and no timer due now
  waitForStatus(instanceId: string, statuses: string[], timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>; // stops servers, flushes the store; instances resume on the next start
}

const projectRoot = resolve(__dirname, '..', '..');

// As early as possible: @azure/functions looks for the core module once and stays in test mode if it was missing.
installCoreShim();

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    if (!server.listening) return done();
    server.close(() => done());
    server.closeAllConnections();
  });
}

/** Loads the entry module afresh with registrations routed to `registry`. */
function loadApp(appEntry: string, registry: FunctionRegistry): void {
  const entry = require.resolve(resolve(appEntry));
  withRegistrationSink(registry, () => {
    delete require.cache[entry];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app is loaded by path, at run time
    require(entry);
  });
  if (registry.all().length === 0) {
    throw new Error(
      `local host: ${appEntry} registered no functions. Register them when the entry module loads, and import ` +
        'local/host before any app code (@azure/functions stays in test mode if it registered something first).',
    );
  }
}

/** Runs the app's appStart/appTerminate hooks (pre/postInvocation hooks are not run locally). */
async function runHooks(
  registry: FunctionRegistry,
  name: string,
  appRoot: string,
  log: (l: string) => void,
): Promise<void> {
  for (const hook of registry.hooks.get(name) ?? []) {
    try {
      await hook({ hookData: {}, appHookData: {}, functionAppDirectory: appRoot });
    } catch (err) {
      log(`${name} hook failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const appRoot = resolve(options.appRoot ?? projectRoot);
  const stateDir = resolve(options.stateDir ?? resolve(appRoot, '.local', 'host'));
  const clock = options.clock ?? new SystemClock();
  const log = options.log ?? ((line: string) => console.log(`[local-host] ${line}`));
  Object.assign(process.env, options.env ?? {});
  // df.getClient rewrites webhook origins to localhost:7071 unless WEBSITE_HOSTNAME is set; ours are already right.
  process.env.WEBSITE_HOSTNAME ??= '127.0.0.1';
  const functionKey = resolveFunctionKey(stateDir, options.functionKey);
  const settings = readHostJson(appRoot);

  const registry = new FunctionRegistry();
  loadApp(options.appEntry, registry);
  for (const fn of registry.all()) {
    if (fn.unsupportedInputs.length) {
      log(
        `warning: ${fn.name} has inputs the local host does not provide: ${fn.unsupportedInputs.join(', ')}`,
      );
    }
    if (fn.kind === 'entity' || fn.kind === 'other')
      log(`warning: ${fn.name} (${fn.trigger.type}) will never be triggered locally`);
  }

  // Filled in once the ports are known / the triggers exist; closures below read them late.
  const late: { endpoints?: ClientEndpoints; timers?: TimerTriggers } = {};
  const extraInputsFor = (fn: RegisteredFunction): Record<string, RpcTypedData> => {
    const inputs: Record<string, RpcTypedData> = {};
    if (fn.durableClientBindingNames.length && late.endpoints) {
      const payload = durableClientPayload(late.endpoints);
      for (const name of fn.durableClientBindingNames) inputs[name] = payload;
    }
    return inputs;
  };

  const unlock = lockStateDir(stateDir);
  let store: HostStore;
  try {
    store = new HostStore(stateDir);
  } catch (err) {
    unlock();
    throw err;
  }
  const engine = new DurableEngine({
    registry,
    store,
    clock,
    log,
    maxConcurrentActivities: settings.maxConcurrentActivityFunctions,
    maxConcurrentOrchestrations: settings.maxConcurrentOrchestratorFunctions,
    functionTimeoutMs: settings.functionTimeoutMs,
    extraInputsFor,
  });
  const durableApi = createDurableApi(engine, () => late.endpoints!);

  let requestsInFlight = 0;
  const idleNow = (): boolean =>
    requestsInFlight === 0 && engine.isIdle() && (late.timers?.inFlight ?? 0) === 0;
  const skipper = new TimeSkipper(clock, options.timeSkipping, idleNow);
  const scheduleSkipCheck = (): void => skipper.poke();
  let closed = false;
  const stopListening = engine.onChange(scheduleSkipCheck);

  const publicServer = createPublicServer({
    registry,
    durableApi,
    functionKey,
    routePrefix: settings.routePrefix,
    clock,
    log,
    extraInputsFor,
    baseUrl: () => late.endpoints?.baseUrl ?? 'http://127.0.0.1',
    onClockMoved: scheduleSkipCheck,
    functionTimeoutMs: settings.functionTimeoutMs,
  });
  const rpcServer = createRpcServer(durableApi, log);

  // HTTP functions and client calls in flight count as work: time must not jump under a request.
  for (const server of [publicServer, rpcServer]) {
    server.on('request', (_req: unknown, res: ServerResponse) => {
      requestsInFlight++;
      res.once('close', () => {
        requestsInFlight--;
        scheduleSkipCheck();
      });
    });
  }

  let port: number;
  let rpcPort: number;
  try {
    port = await listen(publicServer, options.port ?? 7071);
    rpcPort = await listen(rpcServer, options.rpcPort ?? 17071);
  } catch (err) {
    await closeServer(publicServer);
    store.close();
    unlock();
    throw err;
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  const rpcBaseUrl = `http://127.0.0.1:${rpcPort}/durabletask/`;
  late.endpoints = { baseUrl, rpcBaseUrl, hubName: settings.hubName, functionKey };

  await runHooks(registry, 'appStart', appRoot, log);
  engine.start();
  late.timers = new TimerTriggers(
    registry,
    clock,
    stateDir,
    log,
    extraInputsFor,
    scheduleSkipCheck,
    settings.functionTimeoutMs,
  );
  late.timers.start();
  scheduleSkipCheck();
  log(
    `listening on ${baseUrl} (Durable RPC ${rpcBaseUrl}), ${registry.all().length} functions, state in ${stateDir}`,
  );

  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  return {
    baseUrl,
    rpcBaseUrl,
    functionKey,
    clock,
    async waitForIdle(timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      let stableChecks = 0;
      while (stableChecks < 2) {
        if (Date.now() > deadline) throw new Error(`local host: not idle after ${timeoutMs} ms`);
        await pause(2);
        stableChecks = idleNow() && skipper.target() === undefined && !skipper.pending ? stableChecks + 1 : 0;
      }
    },
    async waitForStatus(instanceId: string, statuses: string[], timeoutMs = 30_000): Promise<unknown> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const inst = engine.get(instanceId);
        if (inst && statuses.includes(inst.status)) return statusJson(inst);
        if (Date.now() > deadline) {
          throw new Error(
            `local host: instance ${instanceId} is ${inst?.status ?? 'missing'}, not ${statuses.join('/')} after ${timeoutMs} ms`,
          );
        }
        await pause(5);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      stopListening();
      skipper.stop();
      late.timers?.stop();
      await Promise.all([closeServer(publicServer), closeServer(rpcServer)]);
      await engine.close();
      store.close();
      unlock();
      await runHooks(registry, 'appTerminate', appRoot, log);
    },
  };
}
