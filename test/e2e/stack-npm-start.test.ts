/**
 * `npm start` as a user runs it (the real entry, system clock, its own re-exec to trust the local certificate), on
 * free ports and a throw-away state dir: it prints the status URL, key and query command, selected alerts reach the
 * local table, and Ctrl-C (SIGINT to the process group) stops every process it started.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { KustoSink } from '../../src/kusto';
import { TABLE } from './stack-harness';

const root = resolve(__dirname, '..', '..');

function exitOf(proc: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return done(proc.exitCode);
    proc.once('exit', (code) => done(code));
  });
}

describe('npm start', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'o365-npm-start-'));
  let proc: ChildProcess | undefined;
  after(async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      process.kill(-proc.pid!, 'SIGKILL');
      await exitOf(proc);
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('runs the whole stack, shows where to look, gets alerts into the table, stops on Ctrl-C', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_STATE_DIR: stateDir };
    // Not trusted yet: the entry must re-execute itself with the local certificate.
    delete env.NODE_EXTRA_CA_CERTS;
    delete env.O365_STACK_TRUSTS_LOCAL_CA;
    delete env.LOCAL_FUNCTION_KEY;
    for (const name of [
      'LOCAL_HOST_PORT',
      'LOCAL_RPC_PORT',
      'LOCAL_AZURITE_BLOB_PORT',
      'LOCAL_AZURITE_QUEUE_PORT',
      'LOCAL_AZURITE_TABLE_PORT',
      'LOCAL_O365_PORT',
      'LOCAL_KUSTO_PORT',
    ])
      env[name] = '0';
    proc = spawn(process.execPath, ['--import', 'tsx', 'local/stack.ts'], {
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
      await new Promise((r) => setTimeout(r, 100));
    }
    const key = /function key: (\S+)/.exec(output)![1]!;
    const statusUrl = /status: +curl -H "x-functions-key: \S+" (\S+)/.exec(output)![1]!;
    const kustoPort = /LOCAL_KUSTO_PORT=(\d+)/.exec(output)![1]!;
    assert.ok(!output.includes('local-o365-sim-demo-secret'), 'the client secret is not printed');

    const unauthorized = await fetch(statusUrl);
    assert.equal(unauthorized.status, 401);
    const sink = new KustoSink({
      clusterUrl: `http://127.0.0.1:${kustoPort}`,
      ingestUrl: `http://127.0.0.1:${kustoPort}`,
      database: 'O365',
      table: TABLE,
      ingestionMode: 'streaming',
    });
    let alerts = 0;
    let status: { runtimeStatus?: string } = {};
    while (alerts === 0) {
      assert.ok(Date.now() < deadline, `alerts arrive within a minute:\n${output}`);
      await new Promise((r) => setTimeout(r, 500));
      status = (await (
        await fetch(statusUrl, { headers: { 'x-functions-key': key } })
      ).json()) as typeof status;
      const rows = await sink
        .query<{ n: number }>(
          `${TABLE} | where RecordType == 40 and isnotempty(AirVerdict) | count | project n = Count`,
        )
        .catch(() => [{ n: 0 }]);
      alerts = rows[0]?.n ?? 0;
    }
    await sink.close();
    assert.equal(status.runtimeStatus, 'Running');

    process.kill(-proc.pid!, 'SIGINT');
    const code = await Promise.race([
      exitOf(proc),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref()),
    ]);
    assert.equal(code, 0, `npm start exited cleanly on Ctrl-C:\n${output.slice(-2000)}`);
    assert.match(output, /stopping \(state is kept under /);
    // Nothing it started is left: the group is empty.
    assert.throws(() => process.kill(-proc!.pid!, 0), /ESRCH/);
  });
});
