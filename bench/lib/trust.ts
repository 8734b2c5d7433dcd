/**
 * Benchmarks that talk HTTPS to the O365 simulator (real @azure/identity credentials) need the local certificate in
 * NODE_EXTRA_CA_CERTS, which Node reads only at process start. `npm run bench` does not set it, so a benchmark calls
 * {@link ensureTrustedProcess} first: it re-executes itself once with the variable set and exits with the child's code.
 */
import { spawnSync } from 'node:child_process';
import { ensureLocalCertificate, extraCaCertsEnv } from '../../local/tls';

const MARK = 'BENCH_TRUSTED_LOCAL_CA';

/** Returns true when this process may go on; false when a trusted child already ran (the caller should return). */
export function ensureTrustedProcess(): boolean {
  if (process.env[MARK] === '1') return true;
  const cert = ensureLocalCertificate();
  const result = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: extraCaCertsEnv(cert), [MARK]: '1' },
  });
  process.exitCode = result.status ?? 1;
  return false;
}
