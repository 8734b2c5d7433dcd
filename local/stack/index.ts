/**
 * The whole local stack in one call: Azurite, the O365 simulator, the local Kusto endpoint and the local Durable host
 * serving the app, wired through the app's own settings (docs/local-stand-ins.md). `npm start` and the end-to-end tests both use it.
 *
 * The host runs in this process and the app talks HTTPS to the simulator, so this process must already trust the local
 * certificate (NODE_EXTRA_CA_CERTS is read once, at start-up): `npm start` re-executes itself to arrange that, and
 * `npm test` sets it for every test process.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startAzurite, type RunningAzurite } from '../azurite';
import { SystemClock, VirtualClock, type Clock } from '../clock';
import { startHost, type RunningHost } from '../host';
import { startKustoLocal, type RunningKustoLocal } from '../kusto';
import {
  startO365Sim,
  tenantsFromSetting,
  type FaultConfig,
  type RunningSim,
  type SimTenantOptions,
  type TenantProfile,
} from '../o365-sim';
// After ../host, which must install its @azure/functions shim before any app module loads.
import { setNowSource } from '../../src/runtime';
import { loadConfig } from '../../src/config';
import { applyKustoSetup } from '../../src/kusto/setup';
import { cliKustoSettings } from '../../src/kusto/cli-settings';
import { appSettings, isolatedAppEnv, planStandIns, type StandInEndpoints } from './settings';

export { planStandIns, appSettings, isolatedAppEnv, LOCAL_KUSTO_DATABASE } from './settings';

const projectRoot = resolve(__dirname, '..', '..');

export interface StackPorts {
  /** App routes and webhooks; default LOCAL_HOST_PORT or 7071. 0 = a free port (for every port here). */
  host?: number;
  /** Durable RPC; default LOCAL_RPC_PORT or 17071. */
  rpc?: number;
  /** Azurite [blob, queue, table]; default LOCAL_AZURITE_BLOB_PORT/_QUEUE_PORT/_TABLE_PORT or 10000-10002. */
  azurite?: [number, number, number];
  /** Simulator (HTTPS); default LOCAL_O365_PORT or 8443. */
  o365?: number;
  /** Local Kusto; default LOCAL_KUSTO_PORT or 8080. */
  kusto?: number;
}

export interface StackSimOptions {
  seed?: number;
  /** See SimOptions.epochMs (tests pass their start time). */
  epochMs?: number;
  tenant?: Partial<TenantProfile>;
  faults?: Partial<FaultConfig>;
  pageSize?: number;
  /** Several simulated tenants (then `tenant`/`faults` are their defaults); the app gets them all in O365_TENANT_ID. */
  tenants?: SimTenantOptions[];
}

export interface StackOptions {
  /** Root of all state (host, azurite, kusto); default LOCAL_STATE_DIR or `.local` at the project root. Survives restarts. */
  stateDir?: string;
  /** App entry module; default src/index.ts. */
  appEntry?: string;
  ports?: StackPorts;
  /** A clock to share, or the start of a virtual clock (ISO or ms); default the system clock. */
  clock?: Clock | { virtualStart: string | number };
  /** Virtual clock only: jump to the next durable timer whenever nothing is in flight, never past `until`. */
  timeSkipping?: boolean | { until?: number };
  sim?: StackSimOptions;
  /**
   * The environment to take settings from instead of process.env (default process.env). When given, the app sees
   * only its settings from here and the stack: the rest of process.env's app settings are blanked for the run.
   */
  env?: NodeJS.ProcessEnv;
  /** App settings forced on top of everything (e.g. PIPELINE_WINDOW_MINUTES in tests). */
  settings?: Record<string, string>;
  /**
   * Start the pipeline once the host is up (POST /api/pipeline/start) with this first window start (ISO or ms);
   * ignored by the app when a checkpoint already exists. Default: don't start it.
   */
  startFrom?: string | number;
  /** Function key; default LOCAL_FUNCTION_KEY, else generated once under the state dir. */
  functionKey?: string;
  log?: (line: string) => void;
}

export interface RunningStack {
  /** http://127.0.0.1:<port>: app routes under /api, Durable webhooks under /runtime/webhooks/durabletask. */
  baseUrl: string;
  rpcBaseUrl: string;
  functionKey: string;
  /** GET this (with the key) for the pipeline's health. */
  statusUrl: string;
  /** Where the state lives (host, azurite, kusto). */
  stateDir: string;
  clock: Clock;
  host: RunningHost;
  /** Undefined when a real setting replaced the stand-in. */
  sim?: RunningSim;
  kusto?: RunningKustoLocal;
  azurite?: RunningAzurite;
  /** The settings the app runs with (secrets included: never print this). */
  settings: Record<string, string>;
  /** Calls an app route with the function key; `path` is relative to baseUrl (e.g. `/api/pipeline/status`). */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Stops the host first (so nothing writes to a closed store), then the stand-ins. */
  close(): Promise<void>;
}

function clockFrom(option: StackOptions['clock']): Clock {
  if (!option) return new SystemClock();
  if ('now' in option) return option;
  return new VirtualClock(option.virtualStart);
}

function envPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be a port number (0 = any free port), got "${raw}".`);
  return port;
}

/** Starts what the environment does not already provide, then the host on the app; closes what started on failure. */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const env = options.env ?? process.env;
  const stateDir = resolve(options.stateDir ?? (env.LOCAL_STATE_DIR || join(projectRoot, '.local')));
  mkdirSync(stateDir, { recursive: true });
  const clock = clockFrom(options.clock);
  const ports = options.ports ?? {};
  const log = options.log ?? ((line: string) => console.log(line));
  const plan = planStandIns(env);
  const started: { close(): Promise<void> }[] = [];
  // The host merges the app settings into process.env; put back what was there so a later stack in this process
  // (a test file starting several) does not inherit them.
  const previousEnv = new Map<string, string | undefined>();
  const restoreEnv = (): void => {
    for (const [name, value] of previousEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    previousEnv.clear();
  };
  const closeAll = async (): Promise<void> => {
    for (const piece of started.reverse()) await piece.close().catch(() => undefined);
    started.length = 0;
    restoreEnv();
  };

  try {
    const standIns: StandInEndpoints = {};
    let azurite: RunningAzurite | undefined;
    if (plan.azurite) {
      azurite = await startAzurite({
        location: join(stateDir, 'azurite'),
        blobPort: ports.azurite?.[0] ?? envPort(env, 'LOCAL_AZURITE_BLOB_PORT', 10000),
        queuePort: ports.azurite?.[1] ?? envPort(env, 'LOCAL_AZURITE_QUEUE_PORT', 10001),
        tablePort: ports.azurite?.[2] ?? envPort(env, 'LOCAL_AZURITE_TABLE_PORT', 10002),
      });
      started.push(azurite);
      standIns.storageConnectionString = azurite.connectionString;
    }
    let sim: RunningSim | undefined;
    if (plan.o365Sim) {
      // The simulator accepts the app's credentials when the user set them, in every tenant they list.
      const simTenants = options.sim?.tenants ?? tenantsFromSetting(env.O365_TENANT_ID);
      sim = await startO365Sim({
        port: ports.o365 ?? envPort(env, 'LOCAL_O365_PORT', 8443),
        clock,
        seed: options.sim?.seed,
        epochMs: options.sim?.epochMs,
        tenant: options.sim?.tenant,
        faults: options.sim?.faults,
        pageSize: options.sim?.pageSize,
        tenants: simTenants,
        tenantId: simTenants ? undefined : env.O365_TENANT_ID || undefined,
        clientId: env.O365_CLIENT_ID || undefined,
        clientSecret: env.O365_CLIENT_SECRET || undefined,
      });
      started.push(sim);
      standIns.o365 = { ...sim, tenantId: sim.tenants.map((t) => t.tenantId).join(',') };
    }
    let kusto: RunningKustoLocal | undefined;
    if (plan.kusto) {
      kusto = await startKustoLocal({
        port: ports.kusto ?? envPort(env, 'LOCAL_KUSTO_PORT', 8080),
        stateDir: join(stateDir, 'kusto'),
        azurite,
        clock,
      });
      started.push(kusto);
      standIns.kustoUrl = kusto.url;
    }

    const settings = appSettings(env, standIns, options.settings);
    // The app only verifies its Kusto objects; the deployer creates them. Locally the stack is the deployer, with the
    // table names and mode the app will read (the user's own settings included).
    const hostEnv = options.env ? isolatedAppEnv(env, settings) : settings;
    // The app's own validation first: a bad setting is reported with every other one, naming each, before the
    // Kusto setup trips over one of them.
    loadConfig({ ...process.env, ...hostEnv });
    if (kusto) await applyKustoSetup(cliKustoSettings({ ...env, ...settings }));
    for (const name of Object.keys(hostEnv)) previousEnv.set(name, process.env[name]);
    // The HTTP routes validate ranges against "now"; under a virtual clock it must be the orchestrations' now.
    if (clock.isVirtual) setNowSource(() => clock.now());
    const host = await startHost({
      appEntry: options.appEntry ?? join(projectRoot, 'src', 'index.ts'),
      appRoot: projectRoot,
      port: ports.host ?? envPort(env, 'LOCAL_HOST_PORT', 7071),
      rpcPort: ports.rpc ?? envPort(env, 'LOCAL_RPC_PORT', 17071),
      stateDir: join(stateDir, 'host'),
      clock,
      timeSkipping: options.timeSkipping,
      functionKey: options.functionKey,
      env: hostEnv,
      log: (line) => log(`[local-host] ${line}`),
    });
    started.push(host);

    const call = (method: string, path: string, body?: unknown) =>
      callApp(host.baseUrl, host.functionKey, method, path, body);

    if (options.startFrom !== undefined) {
      const startFrom = new Date(options.startFrom).toISOString();
      const reply = await call('POST', '/api/pipeline/start', { startFrom });
      if (reply.status >= 300 && reply.status !== 409) {
        throw new Error(`POST /api/pipeline/start answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      }
    }

    return {
      baseUrl: host.baseUrl,
      rpcBaseUrl: host.rpcBaseUrl,
      functionKey: host.functionKey,
      statusUrl: `${host.baseUrl}/api/pipeline/status`,
      stateDir,
      clock,
      host,
      sim,
      kusto,
      azurite,
      settings,
      call,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * Calls an app route with the function key: a body is sent as JSON unless it is already a string; the answer is
 * parsed as JSON when it is JSON, else kept as text.
 */
export async function callApp(
  baseUrl: string,
  functionKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'x-functions-key': functionKey, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed };
}
