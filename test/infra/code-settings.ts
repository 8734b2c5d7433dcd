/**
 * The setting names the app reads, discovered from the code itself rather than from a list kept by hand: loadConfig
 * runs against a Proxy environment that records every name it looks up. loadConfig reads some names only on some
 * branches (the Key Vault secret name only when no plain secret is set, the ingest URL only with a cluster URL), so
 * the explorer re-runs it with each discovered name set to each of a few typical values, and with all of them set,
 * until no run reveals a new name. A second, static pass adds any setting-like string literal in src/config.ts that
 * the explorer did not reach, so a name read only under an unusual condition is still seen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

/** Values that steer loadConfig down its branches: a URL, a GUID, a number, words some settings expect. */
const PROBE_VALUES = [
  'https://probe.example.com',
  '00000000-0000-0000-0000-000000000001',
  '60',
  'streaming',
  'queued',
  'Audit.General',
  'probe-container',
  '2026-01-01T00:00:00Z',
];

export type LoadConfig = (env: NodeJS.ProcessEnv) => unknown;

/** Names one loadConfig call reads with the given environment. */
export function namesReadBy(load: LoadConfig, values: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get(_target, key) {
      if (typeof key !== 'string') return undefined;
      read.add(key);
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : undefined;
    },
    has(_target, key) {
      if (typeof key === 'string') read.add(key);
      return typeof key === 'string' && Object.prototype.hasOwnProperty.call(values, key);
    },
    ownKeys() {
      throw new Error(
        'loadConfig enumerated the environment: the settings a prefix scan reads cannot be listed; update test/infra/code-settings.ts',
      );
    },
  });
  try {
    load(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
  return read;
}

/** Every name `load` reads on any branch the probe values reach. */
export function exploreSettingNames(load: LoadConfig): Set<string> {
  const known = namesReadBy(load, {});
  for (let round = 0; round < 10; round++) {
    const before = known.size;
    const names = [...known];
    for (const value of PROBE_VALUES) {
      const all = Object.fromEntries(names.map((n) => [n, value]));
      for (const n of namesReadBy(load, all)) known.add(n);
      for (const name of names) {
        for (const n of namesReadBy(load, { [name]: value })) known.add(n);
        const allBut: Record<string, string> = { ...all };
        delete allBut[name];
        for (const n of namesReadBy(load, allBut)) known.add(n);
      }
    }
    if (known.size === before) return known;
  }
  throw new Error('setting exploration did not settle after 10 rounds');
}

/** Setting-like string literals (UPPER_SNAKE or AzureWebJobs*) in a source file. */
export function settingLiteralsIn(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/'([A-Z][A-Z0-9]*_[A-Z0-9_]+|AzureWebJobs\w*)'/g)) names.add(m[1]);
  return names;
}

/** The names the app's configuration reads: explored at run time, plus literals in src/config.ts. */
export function codeSettingNames(): Set<string> {
  const explored = exploreSettingNames(loadConfig);
  const source = readFileSync(path.join(__dirname, '..', '..', 'src', 'config.ts'), 'utf8');
  for (const n of settingLiteralsIn(source)) explored.add(n);
  return explored;
}
