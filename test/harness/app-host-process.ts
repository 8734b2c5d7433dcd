/**
 * The local host as a separate process (the CLI), so a test can SIGKILL it like a crashed worker while the stand-ins
 * (Azurite, simulator, Kusto) live on in the test process. The host's virtual clock stands still at `t0`.
 */
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { callApp } from '../../local/stack';

const root = resolve(__dirname, '..', '..');

export interface ChildHost {
  proc: ChildProcess;
  baseUrl: string;
  exited: Promise<void>;
}

/**
 * Spawns the local host CLI running the app on free ports with its state in `stateDir`; `env` is the child's whole
 * environment and `extraArgs` follow the standard arguments.
 */
export function spawnHostCli(
  stateDir: string,
  env: NodeJS.ProcessEnv,
  extraArgs: string[] = [],
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'local/host/cli.ts',
      '--app',
      'src/index.ts',
      '--port',
      '0',
      '--rpc-port',
      '0',
      '--state',
      stateDir,
      ...extraArgs,
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

export function spawnChildHost(
  stateDir: string,
  t0: number,
  env: Record<string, string>,
  key: string,
): Promise<ChildHost> {
  const proc = spawnHostCli(stateDir, { ...process.env, ...env, LOCAL_FUNCTION_KEY: key }, [
    '--virtual-clock',
    new Date(t0).toISOString(),
    '--quiet',
  ]);
  const exited = new Promise<void>((done) => proc.once('exit', () => done()));
  let output = '';
  return new Promise((resolveHost, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`host did not start:\n${output.slice(-2000)}`));
    }, 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const ready = /local-host ready (\{.*\})/.exec(output);
      if (!ready) return;
      clearTimeout(timer);
      proc.stdout.off('data', onData);
      proc.stderr.off('data', onData);
      // Keep draining so a chatty host never blocks on a full pipe.
      proc.stdout.resume();
      proc.stderr.resume();
      resolveHost({ proc, baseUrl: (JSON.parse(ready[1]) as { baseUrl: string }).baseUrl, exited });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
}

export async function killHard(host: ChildHost): Promise<void> {
  host.proc.kill('SIGKILL');
  await host.exited;
}

export async function stopGently(host: ChildHost): Promise<void> {
  host.proc.kill('SIGTERM');
  const grace = setTimeout(() => host.proc.kill('SIGKILL'), 5000);
  await host.exited;
  clearTimeout(grace);
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
