/**
 * One host per state dir: two processes sharing one SQLite store would run every activity twice. The lock is a file
 * holding the owner's pid; a lock left by a killed process (SIGKILL leaves it behind) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock or throws naming the process that holds it. Returns the release function. */
export function lockStateDir(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'host.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(`local host: state dir ${stateDir} is in use by process ${owner}`);
      }
      if (owner === process.pid) {
        throw new Error(`local host: state dir ${stateDir} is already used by another host in this process`);
      }
      rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`local host: could not lock state dir ${stateDir}`);
}
