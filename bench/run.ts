/**
 * `npm run bench -- [name] [args...]`: runs bench/<name>.ts, or every benchmark in bench/ when no name is given.
 * Each benchmark runs in its own process (apps and the @azure/functions singleton stay isolated) and prints its own
 * figures; benchmarks are not timed tests and have no pass/fail threshold here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const benchDir = __dirname;
const root = resolve(benchDir, '..');
const [name, ...args] = process.argv.slice(2);

const all = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const selected = name ? [name] : all;
for (const bench of selected) {
  const file = join(benchDir, `${bench}.ts`);
  if (!existsSync(file)) {
    console.error(`bench: no benchmark named '${bench}' (have: ${all.join(', ') || 'none'})`);
    process.exit(2);
  }
  console.log(`\n=== bench ${bench} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error(`bench ${bench} failed (exit ${result.status ?? result.signal})`);
    process.exitCode = 1;
  }
}
