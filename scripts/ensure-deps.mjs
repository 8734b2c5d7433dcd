/* global process, console */
// Installs exactly what package-lock.json pins when node_modules is missing or older than the lockfile, so `npm start`
// and `npm test` work on a fresh clone and after a pull. Plain JavaScript: it runs before tsx is installed.
// npm writes node_modules/.package-lock.json at the end of every install, so its mtime says when node_modules was
// last installed.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when `root`'s node_modules is missing or was installed before its package-lock.json last changed. */
export function needsInstall(root) {
  const installed = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  return !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv[1] === fileURLToPath(import.meta.url) && needsInstall(root)) {
  console.log('node_modules is missing or older than package-lock.json: running npm ci first');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
