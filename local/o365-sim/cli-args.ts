/**
 * Command-line flags of `npm run o365-sim`, parsed into SimOptions. Kept apart from the CLI entry so tests can check
 * the flag handling without starting a process.
 */
import { parseArgs } from 'node:util';
import type { FaultConfig, SimOptions, TenantProfile } from './types';

export const USAGE = `npm run o365-sim -- [flags]
  --port N                    listen port on 127.0.0.1 (default LOCAL_O365_PORT or 8443; 0 = free port)
  --seed S                    tenant seed (default 1)
  --page-size N               content references per listing page (default 200)
  --replay DIR                serve a folder of exported content blobs (JSON arrays) instead of a generated tenant
 volume
  --records-per-hour N        Audit.General records per hour (default 120)
  --records-per-blob N        records per content blob (default 40)
  --user-reported-share X     share of records in user-reported phish lifecycles, 0..1 (default 0.2)
  --backlog-days D            content exists from D days before now (default 8)
  --availability-delay M      minutes between a record and its blob's contentCreated (default 20)
 faults (rates are 0..1)
  --latency MIN-MAX           added latency per API request in ms, e.g. 100-300
  --throttle-rate X           429 AF429 share; --retry-after-share X (default 0.5), --retry-after S (default 1)
  --no-blob-403               throttled blob fetches answer 429 instead of 403 AF429
  --server-error-rate X       AF50000/AF50005/AF50006/503 share
  --timeout-rate X            requests that hang --timeout-ms (default 30000) then drop
  --duplicate-record-rate X   records also present in the next blob
  --duplicate-listing-rate X  blobs listed again --relist-after minutes later (default 90)
  --late-listing-rate X       blobs listable only --late-listing-minutes (default 120) after contentCreated
  --malformed-rate X          blobs served as truncated JSON
  --budget N                  API requests per real minute before AF429 (0 = none)`;

const HOUR = 3_600_000;

function num(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${flag} needs a number, got "${value}"`);
  return n;
}

export function parseSimArgs(argv: string[], nowMs: number): SimOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string' },
      seed: { type: 'string' },
      'page-size': { type: 'string' },
      replay: { type: 'string' },
      'records-per-hour': { type: 'string' },
      'records-per-blob': { type: 'string' },
      'user-reported-share': { type: 'string' },
      'backlog-days': { type: 'string' },
      'availability-delay': { type: 'string' },
      latency: { type: 'string' },
      'throttle-rate': { type: 'string' },
      'retry-after-share': { type: 'string' },
      'retry-after': { type: 'string' },
      'no-blob-403': { type: 'boolean' },
      'server-error-rate': { type: 'string' },
      'timeout-rate': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'duplicate-record-rate': { type: 'string' },
      'duplicate-listing-rate': { type: 'string' },
      'relist-after': { type: 'string' },
      'late-listing-rate': { type: 'string' },
      'late-listing-minutes': { type: 'string' },
      'malformed-rate': { type: 'string' },
      budget: { type: 'string' },
    },
  });
  const tenant: Partial<TenantProfile> = {};
  const set = <K extends keyof TenantProfile>(key: K, v: TenantProfile[K] | undefined): void => {
    if (v !== undefined) tenant[key] = v;
  };
  set('recordsPerHour', num('records-per-hour', values['records-per-hour']));
  set('recordsPerBlob', num('records-per-blob', values['records-per-blob']));
  set('userReportedShare', num('user-reported-share', values['user-reported-share']));
  set('availabilityDelayMinutes', num('availability-delay', values['availability-delay']));
  const days = num('backlog-days', values['backlog-days']);
  if (days !== undefined) tenant.contentStartMs = Math.floor((nowMs - days * 24 * HOUR) / HOUR) * HOUR;

  const faults: Partial<FaultConfig> = {};
  const fault = <K extends keyof FaultConfig>(key: K, v: FaultConfig[K] | undefined): void => {
    if (v !== undefined) faults[key] = v;
  };
  if (values.latency !== undefined) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(values.latency);
    if (!m) throw new Error(`--latency needs MIN-MAX in ms, got "${values.latency}"`);
    faults.latencyMs = { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
  }
  fault('throttleRate', num('throttle-rate', values['throttle-rate']));
  fault('throttleRetryAfterShare', num('retry-after-share', values['retry-after-share']));
  fault('retryAfterSeconds', num('retry-after', values['retry-after']));
  if (values['no-blob-403']) faults.blobThrottleAs403 = false;
  fault('serverErrorRate', num('server-error-rate', values['server-error-rate']));
  fault('timeoutRate', num('timeout-rate', values['timeout-rate']));
  fault('timeoutMs', num('timeout-ms', values['timeout-ms']));
  fault('duplicateRecordRate', num('duplicate-record-rate', values['duplicate-record-rate']));
  fault('duplicateListingRate', num('duplicate-listing-rate', values['duplicate-listing-rate']));
  fault('relistAfterMinutes', num('relist-after', values['relist-after']));
  fault('lateListingRate', num('late-listing-rate', values['late-listing-rate']));
  fault('lateListingMinutes', num('late-listing-minutes', values['late-listing-minutes']));
  fault('malformedBlobRate', num('malformed-rate', values['malformed-rate']));
  fault('requestBudgetPerMinute', num('budget', values.budget));

  const options: SimOptions & { help: boolean } = { help: values.help ?? false, tenant, faults };
  const port = num('port', values.port);
  if (port !== undefined) options.port = port;
  const seed = num('seed', values.seed);
  if (seed !== undefined) options.seed = seed;
  const pageSize = num('page-size', values['page-size']);
  if (pageSize !== undefined) options.pageSize = pageSize;
  if (values.replay !== undefined) options.replayDir = values.replay;
  return options;
}
