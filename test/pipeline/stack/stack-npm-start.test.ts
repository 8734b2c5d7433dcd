/**
 * `npm start` as a user runs it (the real entry, system clock, its own re-exec to trust the local certificate), on
 * free ports and a throw-away state dir: it prints the status URL, key and query command, selected alerts reach the
 * local table, Ctrl-C (SIGINT to the process group) stops every process it started, and the next start resumes from
 * the kept state.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { KustoSink } from '../../../src/kusto';
import { duplicates, TABLE, type PipelineStatus } from '../../harness/stack-harness';

const root = resolve(__dirname, '..', '..', '..');
const PORT_SETTINGS = [
  'LOCAL_HOST_PORT',
  'LOCAL_RPC_PORT',
  'LOCAL_AZURITE_BLOB_PORT',
  'LOCAL_AZURITE_QUEUE_PORT',
  'LOCAL_AZURITE_TABLE_PORT',
  'LOCAL_O365_PORT',
  'LOCAL_KUSTO_PORT',
];

function exitOf(proc: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return done(proc.exitCode);
    proc.once('exit', (code) => done(code));
  });
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Pids of the processes whose command line names `dir` (Azurite names its data folder). */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

interface Launched {
  proc: ChildProcess;
  output(): string;
  key: string;
  statusUrl: string;
  /** The last lines of the host log npm start names in its banner. */
  hostLogTail(lines?: number): string;
  sink: KustoSink;
  status(): Promise<PipelineStatus>;
}

async function launch(stateDir: string): Promise<Launched> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_STATE_DIR: stateDir };
  // Not trusted yet: the entry must re-execute itself with the local certificate.
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.O365_STACK_TRUSTS_LOCAL_CA;
  delete env.LOCAL_FUNCTION_KEY;
  for (const name of PORT_SETTINGS) env[name] = '0';
  const proc = spawn(process.execPath, ['--import', 'tsx', 'local/stack.ts'], {
    cwd: root,
    env,
    detached: true, // its own process group, as a terminal gives it
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 60_000;
  while (!/query: +LOCAL_KUSTO_PORT=(\d+) npm run kql -- "O365SecurityAlerts \| take 10"/.test(output)) {
    assert.ok(Date.now() < deadline, `npm start printed its banner:\n${output}`);
    assert.equal(proc.exitCode, null, `npm start is running:\n${output}`);
    await pause(100);
  }
  const key = /function key: (\S+)/.exec(output)![1]!;
  const statusUrl = /status: +curl -H "x-functions-key: \S+" (\S+)/.exec(output)![1]!;
  const kustoUrl = `http://127.0.0.1:${/LOCAL_KUSTO_PORT=(\d+)/.exec(output)![1]!}`;
  const hostLog = /host log: +(\S+)/.exec(output)![1]!;
  return {
    proc,
    output: () => output,
    key,
    statusUrl,
    hostLogTail: (lines = 40) =>
      existsSync(hostLog) ? readFileSync(hostLog, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '',
    sink: new KustoSink({
      clusterUrl: kustoUrl,
      ingestUrl: kustoUrl,
      database: 'O365',
      table: TABLE,
      ingestionMode: 'streaming',
    }),
    status: async () =>
      (await (await fetch(statusUrl, { headers: { 'x-functions-key': key } })).json()) as PipelineStatus,
  };
}

/** Ctrl-C: SIGINT to the whole process group; resolves with the exit code. */
async function interrupt(run: Launched): Promise<number | null | 'timeout'> {
  await run.sink.close();
  process.kill(-run.proc.pid!, 'SIGINT');
  return Promise.race([
    exitOf(run.proc),
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref()),
  ]);
}

/** Polls `probe` until it answers; on timeout the failure shows the loop's last status and `run`'s last output. */
async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  run: Launched,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      const loop = await run.status().then(
        (s) => JSON.stringify(s.loop),
        (e: unknown) => String(e),
      );
      assert.fail(
        `timed out waiting for ${what}; loop status ${loop}; npm start printed:\n${run.output().slice(-3000)}\n` +
          `host log:\n${run.hostLogTail()}`,
      );
    }
    await pause(300);
  }
}

describe('npm start', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'o365-npm-start-'));
  const running: ChildProcess[] = [];
  let firstKey = '';
  let firstWindows = 0;
  after(async () => {
    for (const proc of running) {
      if (proc.exitCode === null && proc.signalCode === null) {
        process.kill(-proc.pid!, 'SIGKILL');
        await exitOf(proc);
      }
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('runs the whole stack, shows where to look, gets alerts into the table, stops on Ctrl-C', async () => {
    const run = await launch(stateDir);
    running.push(run.proc);
    assert.ok(!run.output().includes('local-o365-sim-demo-secret'), 'the client secret is not printed');
    assert.equal((await fetch(run.statusUrl)).status, 401, 'the status URL needs the key');
    const alerts = await waitFor(
      'verdict-carrying alerts in the table',
      async () => {
        const rows = await run.sink.query<{ n: number }>(
          `${TABLE} | where RecordType == 40 and isnotempty(AirVerdict) | count | project n = Count`,
        );
        return (rows[0]?.n ?? 0) > 0 ? rows[0]!.n : undefined;
      },
      run,
    );
    assert.ok(alerts > 0);
    assert.match(
      run.hostLogTail(1000),
      /"event":"windowRun"/,
      'the host log in the state dir has the window runs',
    );
    const status = await run.status();
    assert.equal(status.runtimeStatus, 'Running');
    firstKey = run.key;
    firstWindows = status.loop?.windowsDone ?? 0;
    assert.equal(processesUsing(stateDir).length, 1, 'Azurite runs on the state dir');
    assert.equal(
      await interrupt(run),
      0,
      `npm start exited cleanly on Ctrl-C:\n${run.output().slice(-2000)}`,
    );
    assert.match(run.output(), /stopping \(state is kept under /);
    // The stand-ins got the same Ctrl-C; give them a moment to finish their own shutdown.
    const groupGone = async (): Promise<boolean> => {
      try {
        process.kill(-run.proc.pid!, 0);
        return false;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ESRCH';
      }
    };
    for (let i = 0; i < 100 && !(await groupGone()); i++) await pause(100);
    assert.ok(await groupGone(), 'nothing it started is left');
    for (let i = 0; i < 100 && processesUsing(stateDir).length > 0; i++) await pause(100);
    assert.deepEqual(processesUsing(stateDir), [], 'Azurite, in a process group of its own, is stopped too');
  });

  it('resumes from the kept state on the next start', async () => {
    assert.ok(firstKey, 'the first run passed');
    const run = await launch(stateDir);
    running.push(run.proc);
    assert.equal(run.key, firstKey, 'the generated function key is kept');
    assert.match(run.output(), /already running|was started/);
    // Resumed, not restarted: the window count carries on from the kept checkpoint and keeps growing. (Catching up
    // the whole 48 h backlog is not awaited: on a loaded 2-core machine that can take longer than a test should.)
    const resumed = await waitFor(
      'the loop to report its state',
      async () => {
        const status = await run.status();
        return status.loop?.windowsDone !== undefined ? status.loop.windowsDone : undefined;
      },
      run,
    );
    assert.ok(resumed >= firstWindows, `${resumed} >= ${firstWindows}: the loop resumed from its checkpoint`);
    await waitFor(
      'two more windows after the restart',
      async () => {
        const status = await run.status();
        return (status.loop?.windowsDone ?? 0) >= resumed + 2 ? true : undefined;
      },
      run,
    );
    const ids = (await run.sink.query<{ Id: string }>(`${TABLE} | project Id`)).map((r) => r.Id);
    assert.ok(ids.length > 0);
    assert.deepEqual(duplicates(ids), [], 'no row ingested twice across the restart');
    assert.equal(await interrupt(run), 0);
  });
});
