/**
 * `npm test`: runs every `*.test.ts` under test/ with Node's built-in runner (through tsx).
 *
 * Node 20 does not expand `**` globs, so the files are listed here. The local HTTPS certificate is created first and
 * trusted through NODE_EXTRA_CA_CERTS, which Node reads only at process start: every test process can then use the
 * real @azure/identity credentials against the O365 simulator. `--soak` adds the long `*.soak.ts` suites.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ensureLocalCertificate, extraCaCertsEnv } from '../local/tls';

const root = resolve(__dirname, '..');
const soak = process.argv.includes('--soak');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function collect(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'fixtures' && name !== 'node_modules') collect(path, out);
    } else if (name.endsWith('.test.ts') || (soak && name.endsWith('.soak.ts'))) {
      out.push(relative(root, path));
    }
  }
  return out;
}

const files = collect(join(root, 'test'), []).filter(
  (f) => filters.length === 0 || filters.some((x) => f.includes(x)),
);
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
const cert = ensureLocalCertificate();
// Two test files at a time (TEST_CONCURRENCY overrides): a whole-stack test keeps about one core busy, so on two
// cores two files side by side finish in about two thirds of the time of one after the other.
const concurrency = Number(process.env.TEST_CONCURRENCY) || 2;
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: extraCaCertsEnv(cert), ...(soak ? { SOAK: '1' } : {}) },
  },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
