/**
 * Command-line flags of `npm run o365-sim`, parsed into SimOptions. Kept apart from the CLI entry so tests can check
 * the flag handling without starting a process.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FaultConfig, LifecycleMix, SimOptions, SimTenantOptions, TenantProfile } from './types';

export const USAGE = `npm run o365-sim -- [flags]
  --port N                    listen port on 127.0.0.1 (default LOCAL_O365_PORT or 8443; 0 = free port)
  --seed S                    tenant seed (default 1)
  --page-size N               content references per listing page (default 200)
  --replay DIR                serve a folder of exported content blobs (JSON arrays) instead of a generated tenant
  --tenants SPEC              several tenants: GUID,GUID,... or an inline JSON array or a JSON file path holding
                              [{ "tenantId", "name"?, "seed"?, "profile"?, "faults"?, "clientId"?, "clientSecret"? }]
                              (or { "tenants": [...] }); the other flags are every tenant's defaults
 volume
  --records-per-hour N        Audit.General records per hour (default 120)
  --records-per-blob N        records per content blob (default 40)
  --user-reported-share X     share of records in user-reported phish lifecycles, 0..1 (default 0.2)
  --backlog-days D            content exists from D days before now (default 8)
  --availability-delay M      minutes between a record and its blob's contentCreated (default 20)
  --lifecycle-mix SPEC        AIR lifecycle weights, e.g. standard=8,terminatedAfterPending=1,remediatedBeforeAlertListed=1
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
  --budget N                  API requests per real minute per tenant and publisher before AF429 (0 = none)
 poison blobs (rates are 0..1 and together at most 1)
  --not-found-rate X          contentUri answers 404 text/html with no AF code, every time
  --foreign-host-rate X       contentUri on --foreign-host (default evil.example.net)
  --oversize-rate X           body padded past --oversize-mb (default 64), streamed
  --bad-created-rate X        listing contentCreated is 2024-13-45T99:99:99
  --recovering-rate X         404 text/html until --recover-after minutes (default 180) after contentCreated
  --proto-alert-rate X        user-reported alerts whose AlertId is __proto__ (not poison: expected in the table)`;

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
      tenants: { type: 'string' },
      'lifecycle-mix': { type: 'string' },
      'not-found-rate': { type: 'string' },
      'foreign-host-rate': { type: 'string' },
      'foreign-host': { type: 'string' },
      'oversize-rate': { type: 'string' },
      'oversize-mb': { type: 'string' },
      'bad-created-rate': { type: 'string' },
      'recovering-rate': { type: 'string' },
      'recover-after': { type: 'string' },
      'proto-alert-rate': { type: 'string' },
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
  fault('notFoundBlobRate', num('not-found-rate', values['not-found-rate']));
  fault('foreignHostBlobRate', num('foreign-host-rate', values['foreign-host-rate']));
  fault('foreignHost', values['foreign-host']);
  fault('oversizeBlobRate', num('oversize-rate', values['oversize-rate']));
  const oversizeMb = num('oversize-mb', values['oversize-mb']);
  if (oversizeMb !== undefined) faults.oversizeBlobBytes = Math.round(oversizeMb * 1024 * 1024);
  fault('badContentCreatedRate', num('bad-created-rate', values['bad-created-rate']));
  fault('recoveringBlobRate', num('recovering-rate', values['recovering-rate']));
  fault('recoverAfterMinutes', num('recover-after', values['recover-after']));
  fault('protoAlertRate', num('proto-alert-rate', values['proto-alert-rate']));
  if (values['lifecycle-mix'] !== undefined) tenant.lifecycleMix = parseLifecycleMix(values['lifecycle-mix']);

  const options: SimOptions & { help: boolean } = { help: values.help ?? false, tenant, faults };
  const port = num('port', values.port);
  if (port !== undefined) options.port = port;
  const seed = num('seed', values.seed);
  if (seed !== undefined) options.seed = seed;
  const pageSize = num('page-size', values['page-size']);
  if (pageSize !== undefined) options.pageSize = pageSize;
  if (values.replay !== undefined) options.replayDir = values.replay;
  if (values.tenants !== undefined) options.tenants = parseTenants(values.tenants);
  return options;
}

const LIFECYCLE_KEYS: (keyof LifecycleMix)[] = [
  'standard',
  'terminatedAfterPending',
  'remediatedBeforeAlertListed',
];

function parseLifecycleMix(spec: string): LifecycleMix {
  const mix: LifecycleMix = { standard: 0, terminatedAfterPending: 0, remediatedBeforeAlertListed: 0 };
  for (const part of spec.split(',')) {
    const [key, value] = part.split('=').map((x) => x.trim());
    const known = LIFECYCLE_KEYS.find((k) => k === key);
    const weight = Number(value);
    if (!known || value === undefined || !Number.isFinite(weight))
      throw new Error(
        `--lifecycle-mix needs name=weight pairs among ${LIFECYCLE_KEYS.join(', ')}, got "${part}"`,
      );
    mix[known] = weight;
  }
  return mix;
}

const GUID_LIST =
  /^\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\s*,\s*[0-9a-f-]{36})*\s*$/i;

/** `--tenants`: a GUID list, inline JSON, or the path of a JSON file (an array, or `{ "tenants": [...] }`). */
export function parseTenants(spec: string): SimTenantOptions[] {
  if (GUID_LIST.test(spec)) return spec.split(',').map((id) => ({ tenantId: id.trim() }));
  let text = spec;
  const trimmed = spec.trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) {
    try {
      text = readFileSync(trimmed, 'utf8');
    } catch (err) {
      throw new Error(
        `--tenants needs GUID,GUID,..., a JSON array, or a readable JSON file; cannot read "${trimmed}": ${(err as Error).message}`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`--tenants: not valid JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { tenants?: unknown } | null)?.tenants;
  if (!Array.isArray(list) || list.length === 0)
    throw new Error(
      '--tenants: JSON must be a non-empty array of { "tenantId": GUID, ... } or { "tenants": [...] }',
    );
  return list as SimTenantOptions[];
}
