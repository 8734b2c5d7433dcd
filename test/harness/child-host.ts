/** Runs the local host CLI in a child process (for crash/restart and CLI tests). */
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';

export interface ChildHost {
  proc: ChildProcess;
  baseUrl: string;
  rpcBaseUrl: string;
  functionKey: string;
  output(): string;
  /** SIGTERM and wait for exit (SIGKILL after a grace period). */
  stop(): Promise<void>;
}

const root = resolve(__dirname, '..', '..');

/** Spawns the local host CLI on free ports with `args`; `env` is the child's whole environment. */
export function spawnHostCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'local/host/cli.ts', '--port', '0', '--rpc-port', '0', ...args],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** Starts the CLI with `args` (and `env` over this process's environment) and resolves once it reports ready. */
export function spawnHost(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<ChildHost> {
  const proc = spawnHostCli(args, { ...process.env, ...env });
  let out = '';
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return new Promise((resolveHost, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`host child did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /local-host ready (\{.*\})/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const ready = JSON.parse(m[1]!) as { baseUrl: string; rpcBaseUrl: string; functionKey: string };
      resolveHost({
        proc,
        ...ready,
        output: () => out,
        async stop() {
          if (proc.exitCode !== null || proc.signalCode !== null) return;
          proc.kill('SIGTERM');
          const grace = setTimeout(() => proc.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(grace);
        },
      });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host child exited with ${code}:\n${out}`));
    });
  });
}

/** SIGKILL and wait until the process is gone. */
export function killHard(host: ChildHost): Promise<void> {
  return new Promise((r) => {
    if (host.proc.exitCode !== null || host.proc.signalCode !== null) return r();
    host.proc.once('exit', () => r());
    host.proc.kill('SIGKILL');
  });
}
