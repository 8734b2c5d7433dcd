/**
 * Azurite (the npm package) as a child process: blob, queue and table services on loopback with the well-known
 * development account. `--skipApiVersionCheck` because the SDKs send newer API versions than Azurite knows, and
 * `--disableTelemetry` because it otherwise calls out to the internet. Port 0 asks the OS for free ports; the real
 * ones are read from Azurite's start-up lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

export interface RunningAzurite {
  /** The Azurite process. */
  pid: number;
  blobUrl: string;
  queueUrl: string;
  tableUrl: string;
  accountName: string;
  accountKey: string;
  connectionString: string;
  close(): Promise<void>;
}

export interface AzuriteOptions {
  /** Data directory; default .local/azurite at the repository root. */
  location?: string;
  /** Defaults 10000, 10001, 10002; 0 = a free port. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** Don't echo Azurite's output (default true). */
  silent?: boolean;
  /** Give up when the services are not listening after this long (default 30 s). */
  startTimeoutMs?: number;
}

/** Azurite's documented development account (public, not a secret). */
export const DEV_ACCOUNT_NAME = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/**
 * Runs inside Azurite before its own code. Azurite saves its metadata (which blobs exist) every few seconds and when
 * it shuts down on SIGINT/SIGTERM, so exiting at once would drop writes it has acknowledged. When our end of its
 * stdin closes, it exits at once if it was already told to stop ({@link stopChild} closes stdin once every service
 * has closed); if not, its owner died, and it shuts down as on SIGTERM and exits a few seconds later.
 */
const PARENT_WATCH = `
// With its owner gone, writing to stdout fails (EPIPE): that must not crash it before it has saved.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { stopping = true; });
let ownerLeft = false;
const ownerGone = () => {
  if (ownerLeft) return;
  ownerLeft = true;
  if (stopping) process.exit(0);
  process.emit('SIGTERM');
  setTimeout(() => process.exit(0), 3000);
};
process.stdin.on('end', ownerGone);
process.stdin.on('error', ownerGone);
process.stdin.resume();`;

const SERVICES = ['Blob', 'Queue', 'Table'] as const;
type Service = (typeof SERVICES)[number];

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const location = options.location ?? resolve(__dirname, '..', '.local', 'azurite');
  mkdirSync(location, { recursive: true });
  const entry = require.resolve('azurite/dist/src/azurite.js');
  const args = [
    // Azurite exits when our end of its stdin closes, so it never outlives a process that was killed.
    '--import',
    `data:text/javascript,${encodeURIComponent(PARENT_WATCH)}`,
    entry,
    '--location',
    location,
    '--blobHost',
    '127.0.0.1',
    '--queueHost',
    '127.0.0.1',
    '--tableHost',
    '127.0.0.1',
    '--blobPort',
    String(options.blobPort ?? 10000),
    '--queuePort',
    String(options.queuePort ?? 10001),
    '--tablePort',
    String(options.tablePort ?? 10002),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--loose',
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
    // A process group of its own: a terminal's Ctrl-C goes to its owner, which stops Azurite only after everything
    // that writes to it (the host's activities) has stopped. Stopped together, Azurite could acknowledge a write,
    // close, and lose it, while the host recorded the write as done.
    detached: true,
  });
  let urls: Record<Service, string>;
  try {
    urls = await waitForListening(child, options.silent ?? true, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  const blobUrl = `${urls.Blob}/${DEV_ACCOUNT_NAME}`;
  const queueUrl = `${urls.Queue}/${DEV_ACCOUNT_NAME}`;
  const tableUrl = `${urls.Table}/${DEV_ACCOUNT_NAME}`;
  return {
    pid: child.pid!,
    blobUrl,
    queueUrl,
    tableUrl,
    accountName: DEV_ACCOUNT_NAME,
    accountKey: DEV_ACCOUNT_KEY,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT_NAME};AccountKey=${DEV_ACCOUNT_KEY};` +
      `BlobEndpoint=${blobUrl};QueueEndpoint=${queueUrl};TableEndpoint=${tableUrl};`,
    close: async () => {
      await stopChild(child);
    },
  };
}

function waitForListening(
  child: ChildProcess,
  silent: boolean,
  timeoutMs: number,
): Promise<Record<Service, string>> {
  return new Promise((resolveUrls, reject) => {
    const found: Partial<Record<Service, string>> = {};
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output += text;
      if (!silent) process.stderr.write(text);
      for (const line of text.split('\n')) {
        const match = /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+)/.exec(
          line,
        );
        if (match) found[match[1] as Service] = match[2]!.replace(/\/$/, '');
      }
      if (SERVICES.every((s) => found[s])) {
        cleanup();
        resolveUrls(found as Record<Service, string>);
      }
    };
    const onExit = (code: number | null): void =>
      fail(new Error(`Azurite exited (code ${code}) before listening:\n${output.slice(-2000)}`));
    const cleanup = (): void => {
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      if (silent) {
        // Keep draining so a chatty Azurite never blocks on a full pipe.
        child.stdout?.removeListener('data', onData);
        child.stderr?.removeListener('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
      }
    };
    const fail = (error: Error): void => {
      cleanup();
      reject(error);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * Azurite's own SIGTERM handler closes the three services (saving their metadata) but leaves the process to the event
 * loop, which our stdin watch keeps alive; once all three report "successfully closed" we end stdin so it exits.
 */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    let closedServices = 0;
    const onData = (chunk: Buffer): void => {
      closedServices += chunk.toString('utf8').split('successfully closed').length - 1;
      if (closedServices >= SERVICES.length) child.stdin?.end();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
