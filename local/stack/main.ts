/**
 * `npm start`: the whole stack on this machine, the pipeline started over a two-day simulated backlog, and a live
 * view of its progress. Ctrl-C stops everything; state under .local/ is kept, so the next start resumes.
 *
 * NODE_EXTRA_CA_CERTS is read by Node only at start-up, and the in-process host must trust the simulator's local
 * certificate, so when it is not already trusted this process re-executes itself with it set (the user's own extra
 * CAs are bundled in, see extraCaCertsEnv).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ensureLocalCertificate, extraCaCertsEnv } from '../tls';
import { formatLag, renderStatus, type StatusView } from './console-view';
import { HostLogFile } from './host-log';
import { startStack, type RunningStack } from './index';

const HOUR_MS = 3_600_000;
/** How much simulated history the local tenant has, so there is a backlog to watch. */
const BACKLOG_HOURS = 48;
const POLL_MS = 1000;
const TRUSTED_MARK = 'O365_STACK_TRUSTS_LOCAL_CA';

function reexecTrusted(entry: string): void {
  const cert = ensureLocalCertificate();
  const child = spawn(process.execPath, [...process.execArgv, entry, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: extraCaCertsEnv(cert), [TRUSTED_MARK]: '1' },
  });
  // Ctrl-C reaches the whole process group: the child shuts down on its own; we only wait for it.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function windowMinutesOf(stack: RunningStack): number {
  const n = Number(stack.settings.PIPELINE_WINDOW_MINUTES ?? process.env.PIPELINE_WINDOW_MINUTES ?? 60);
  return Number.isFinite(n) && n > 0 ? n : 60;
}

/** Redraws in place on a terminal; elsewhere (a log file, CI) prints a line only when it changed, at most every 10 s. */
function createPrinter(): (lines: string[]) => void {
  let previousCount = 0;
  let lastText = '';
  let lastAt = 0;
  return (lines) => {
    if (process.stdout.isTTY) {
      if (previousCount) process.stdout.write(`\x1b[${previousCount}A`);
      // A shorter frame blanks the lines the previous one left below it.
      const frame = [...lines, ...Array<string>(Math.max(0, previousCount - lines.length)).fill('')];
      for (const line of frame) process.stdout.write(`\x1b[2K${line}\n`);
      previousCount = frame.length;
      return;
    }
    const text = lines.join(' | ');
    if (text === lastText || Date.now() - lastAt < 10_000) return;
    lastText = text;
    lastAt = Date.now();
    console.log(text);
  };
}

/** The first window's start: PIPELINE_START_FROM when set (as the app reads it), else a 48-hour backlog. */
export function firstWindowStart(env: NodeJS.ProcessEnv, nowMs: number): number {
  const configured = (env.PIPELINE_START_FROM ?? '').trim();
  if (configured) {
    const ms = Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(configured) ? configured : `${configured}Z`);
    if (!Number.isFinite(ms))
      throw new Error(`PIPELINE_START_FROM is not an ISO 8601 time: ${JSON.stringify(configured)}`);
    return ms;
  }
  return Math.floor((nowMs - BACKLOG_HOURS * HOUR_MS) / HOUR_MS) * HOUR_MS;
}

/** The `npm run kql` hint, naming the database and table the app writes to. */
export function queryHint(
  env: NodeJS.ProcessEnv,
  settings: Record<string, string | undefined>,
  localPort?: string,
): string {
  const table = env.KUSTO_TABLE || settings.KUSTO_TABLE || 'O365SecurityAlerts';
  const database = env.KUSTO_DATABASE || settings.KUSTO_DATABASE;
  const prefix = [
    localPort === undefined
      ? 'KUSTO_CLUSTER_URL=...'
      : localPort !== '8080'
        ? `LOCAL_KUSTO_PORT=${localPort}`
        : '',
    database && database !== 'O365'
      ? `KUSTO_DATABASE=${database}`
      : localPort === undefined
        ? 'KUSTO_DATABASE=...'
        : '',
  ].filter(Boolean);
  return `${prefix.length ? `${prefix.join(' ')} ` : ''}npm run kql -- "${table} | take 10"`;
}

async function run(): Promise<void> {
  const backlogStartMs = firstWindowStart(process.env, Date.now());
  // Host chatter would scroll the live view away: it goes to a file in the state dir.
  const hostLog = new HostLogFile();
  const stack = await startStack({
    sim: { tenant: { contentStartMs: backlogStartMs } },
    log: (line) => hostLog.write(line),
  });
  const hostLogPath = hostLog.open(stack.stateDir);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\nstopping (state is kept under ${stack.stateDir})...`);
    // An activity still waiting on a retry or a budget can hold the host for a minute; the state is durable (the
    // next start resumes exactly where a crash would), so Ctrl-C waits a bounded time. The stand-ins in this
    // process group received the same signal.
    const bounded = setTimeout(() => {
      console.log('still closing after 10 s: exiting now; the next start resumes from the kept state');
      process.exit(0);
    }, 10_000);
    void stack.close().then(() => {
      clearTimeout(bounded);
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const started = await stack.call('POST', '/api/pipeline/start', {
    startFrom: new Date(backlogStartMs).toISOString(),
  });
  if (started.status >= 400) {
    console.error(`POST /api/pipeline/start answered ${started.status}: ${JSON.stringify(started.body)}`);
    await stack.close();
    process.exit(1);
  }
  const using = [
    stack.sim ? `O365 simulator ${stack.sim.apiUrl}` : 'O365: your O365_API_URL',
    stack.kusto ? `local Kusto ${stack.kusto.url}` : 'Kusto: your KUSTO_CLUSTER_URL',
    stack.azurite ? `Azurite ${stack.azurite.blobUrl}` : 'storage: your AzureWebJobsStorage',
  ];
  const kustoPort = stack.kusto ? new URL(stack.kusto.url).port : undefined;
  console.log(
    [
      `o365-alert-pipeline running locally (${(started.body as { message?: string })?.message ?? 'started'})`,
      `  ${using.join('\n  ')}`,
      `  dashboard:    ${stack.baseUrl}/api/pipeline/dashboard?code=${encodeURIComponent(stack.functionKey)}`,
      `  status:       curl -H "x-functions-key: ${stack.functionKey}" ${stack.statusUrl}`,
      `  function key: ${stack.functionKey}`,
      `  host log:     ${hostLogPath}`,
      `  query:        ${queryHint(process.env, stack.settings, kustoPort)}`,
      `  Ctrl-C stops everything; the state under ${stack.stateDir} survives restarts.`,
      '',
    ].join('\n'),
  );

  const print = createPrinter();
  const windowMinutes = windowMinutesOf(stack);
  let firstCheckpoint: number | undefined;
  while (!stopping) {
    try {
      const reply = await stack.call('GET', '/api/pipeline/status');
      const status = reply.body as StatusView;
      const checkpoint = status.loop?.checkpoint ? Date.parse(status.loop.checkpoint) : undefined;
      // Catching up is measured from the first window we saw (a restart resumes mid-backlog).
      firstCheckpoint ??= checkpoint !== undefined ? Math.min(checkpoint, backlogStartMs) : undefined;
      if (reply.status === 200)
        print(renderStatus(status, stack.clock.now(), firstCheckpoint, windowMinutes));
      else print([`status answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 200)}`]);
    } catch (err) {
      print([
        `status poll failed: ${err instanceof Error ? err.message : String(err)} (lag ${formatLag(null)})`,
      ]);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Which setting moves a default port that is already taken (Azurite reports it in its own words). */
const PORT_SETTINGS: Record<string, string> = {
  '7071': 'LOCAL_HOST_PORT',
  '17071': 'LOCAL_RPC_PORT',
  '10000': 'LOCAL_AZURITE_BLOB_PORT',
  '10001': 'LOCAL_AZURITE_QUEUE_PORT',
  '10002': 'LOCAL_AZURITE_TABLE_PORT',
  '8443': 'LOCAL_O365_PORT',
  '8080': 'LOCAL_KUSTO_PORT',
};

export function portHint(message: string): string {
  const port = /EADDRINUSE[^\n]*?:(\d+)/.exec(message)?.[1];
  const setting = port ? PORT_SETTINGS[port] : undefined;
  return setting ? `\n  port ${port} is taken: set ${setting} to another port (0 = any free port).` : '';
}

export function main(entry: string = resolve(__dirname, '..', 'stack.ts')): void {
  if (process.env[TRUSTED_MARK] !== '1') {
    reexecTrusted(entry);
    return;
  }
  run().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`npm start: ${message}${portHint(message)}`);
    process.exit(1);
  });
}
