/**
 * `npm start` keeps the host's own lines (function logs, activity failures, window runs) out of the live view and
 * in `<state dir>/host.log`, so what the pipeline did before a stall or a failure can be read afterwards. Lines
 * logged before the state dir is known are held and written once it is. At start a log over 10 MiB moves to
 * `host.log.1`, so a stack that is restarted for weeks keeps at most two files.
 */
import { appendFileSync, existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROTATE_AT_BYTES = 10 * 1024 * 1024;

export class HostLogFile {
  private path: string | undefined;
  private held: string[] = [];

  /** Where the log goes from now on; writes the lines held so far. */
  open(stateDir: string): string {
    const path = join(stateDir, 'host.log');
    if (existsSync(path) && statSync(path).size > ROTATE_AT_BYTES) renameSync(path, `${path}.1`);
    this.path = path;
    this.write(`--- npm start, pid ${process.pid}`);
    const held = this.held;
    this.held = [];
    for (const line of held) this.write(line);
    return path;
  }

  write(line: string): void {
    const stamped = `${new Date().toISOString()} ${line}\n`;
    if (this.path === undefined) this.held.push(stamped.slice(0, -1));
    else appendFileSync(this.path, stamped);
  }
}
