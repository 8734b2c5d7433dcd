/**
 * `npm run local-host -- --app <entry> [--port N] [--rpc-port N] [--state DIR] [--app-root DIR]
 *   [--virtual-clock <ISO>] [--time-skipping] [--until <ISO>]`
 *
 * Starts the local Durable host on an app and prints its base URL and function key. The last line printed at start
 * is `local-host ready {"baseUrl":...,"rpcBaseUrl":...,"functionKey":...}` so a parent process (a test) can read it.
 * With a virtual clock, `GET/POST /admin/clock` (function key required) reads or moves time. SIGINT/SIGTERM close
 * the host cleanly; SIGKILL loses nothing that was committed (instances resume on the next start).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SystemClock, VirtualClock, type Clock } from '../clock';
import { startHost } from './index';

const usage =
  'usage: local-host --app <entry> [--port 7071] [--rpc-port 17071] [--state DIR] [--app-root DIR] ' +
  '[--virtual-clock <ISO>] [--time-skipping] [--until <ISO>] [--quiet]';

function parsePort(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--${name} must be a port number (0 = any free port)`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      app: { type: 'string' },
      port: { type: 'string' },
      'rpc-port': { type: 'string' },
      state: { type: 'string' },
      'app-root': { type: 'string' },
      'virtual-clock': { type: 'string' },
      'time-skipping': { type: 'boolean' },
      until: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const appEntry = resolve(values.app ?? 'src/index.ts');
  let clock: Clock = new SystemClock();
  if (values['virtual-clock'] !== undefined) clock = new VirtualClock(values['virtual-clock']);
  if (values['time-skipping'] && !clock.isVirtual)
    throw new Error('--time-skipping needs --virtual-clock <ISO>');
  const until = values.until !== undefined ? Date.parse(values.until) : undefined;
  if (until !== undefined && Number.isNaN(until)) throw new Error('--until must be an ISO date-time');

  const host = await startHost({
    appEntry,
    appRoot: values['app-root'] ? resolve(values['app-root']) : undefined,
    port: parsePort(values.port ?? process.env.LOCAL_HOST_PORT, 7071, 'port'),
    rpcPort: parsePort(values['rpc-port'], 17071, 'rpc-port'),
    stateDir: values.state ? resolve(values.state) : undefined,
    clock,
    timeSkipping: values['time-skipping'] ? { until } : false,
    log: values.quiet ? () => undefined : (line) => console.log(`[local-host] ${line}`),
  });
  console.log(`Local Durable host serving ${appEntry}`);
  console.log(`  app routes and webhooks: ${host.baseUrl}`);
  console.log(`  Durable RPC:             ${host.rpcBaseUrl}`);
  console.log(`  function key:            ${host.functionKey}`);
  if (clock.isVirtual)
    console.log(
      `  virtual clock at ${new Date(clock.now()).toISOString()} (POST ${host.baseUrl}/admin/clock)`,
    );
  console.log(
    `local-host ready ${JSON.stringify({ baseUrl: host.baseUrl, rpcBaseUrl: host.rpcBaseUrl, functionKey: host.functionKey })}`,
  );
  const stop = (): void => {
    void host.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`local-host: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
