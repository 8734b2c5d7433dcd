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

/** Flags that set one number of every tenant's profile. */
const TENANT_NUMBER_FLAGS = {
  'records-per-hour': 'recordsPerHour',
  'records-per-blob': 'recordsPerBlob',
  'user-reported-share': 'userReportedShare',
  'availability-delay': 'availabilityDelayMinutes',
} as const satisfies Record<string, keyof TenantProfile>;

/** Flags that set one number of every tenant's faults. */
const FAULT_NUMBER_FLAGS = {
  'throttle-rate': 'throttleRate',
  'retry-after-share': 'throttleRetryAfterShare',
  'retry-after': 'retryAfterSeconds',
  'server-error-rate': 'serverErrorRate',
  'timeout-rate': 'timeoutRate',
  'timeout-ms': 'timeoutMs',
  'duplicate-record-rate': 'duplicateRecordRate',
  'duplicate-listing-rate': 'duplicateListingRate',
  'relist-after': 'relistAfterMinutes',
  'late-listing-rate': 'lateListingRate',
  'late-listing-minutes': 'lateListingMinutes',
  'malformed-rate': 'malformedBlobRate',
  budget: 'requestBudgetPerMinute',
  'not-found-rate': 'notFoundBlobRate',
  'foreign-host-rate': 'foreignHostBlobRate',
  'oversize-rate': 'oversizeBlobRate',
  'bad-created-rate': 'badContentCreatedRate',
  'recovering-rate': 'recoveringBlobRate',
  'recover-after': 'recoverAfterMinutes',
  'proto-alert-rate': 'protoAlertRate',
} as const satisfies Record<string, keyof FaultConfig>;

/** Flags read by hand below, each taking a value. */
const OTHER_VALUE_FLAGS = [
  'port',
  'seed',
  'page-size',
  'replay',
  'backlog-days',
  'latency',
  'tenants',
  'lifecycle-mix',
  'foreign-host',
  'oversize-mb',
] as const;

const VALUE_FLAGS = [
  ...Object.keys(TENANT_NUMBER_FLAGS),
  ...Object.keys(FAULT_NUMBER_FLAGS),
  ...OTHER_VALUE_FLAGS,
];

export function parseSimArgs(argv: string[], nowMs: number): SimOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'no-blob-403': { type: 'boolean' },
      ...Object.fromEntries(VALUE_FLAGS.map((flag) => [flag, { type: 'string' as const }])),
    },
  });
  const given: Record<string, string | boolean | undefined> = values;
  const text = (flag: string): string | undefined => {
    const value = given[flag];
    return typeof value === 'string' ? value : undefined;
  };
  const number = (flag: string): number | undefined => num(flag, text(flag));

  const tenant: Partial<TenantProfile> = {};
  for (const [flag, key] of Object.entries(TENANT_NUMBER_FLAGS)) {
    const n = number(flag);
    if (n !== undefined) tenant[key] = n;
  }
  const days = number('backlog-days');
  if (days !== undefined) tenant.contentStartMs = Math.floor((nowMs - days * 24 * HOUR) / HOUR) * HOUR;
  const mix = text('lifecycle-mix');
  if (mix !== undefined) tenant.lifecycleMix = parseLifecycleMix(mix);

  const faults: Partial<FaultConfig> = {};
  for (const [flag, key] of Object.entries(FAULT_NUMBER_FLAGS)) {
    const n = number(flag);
    if (n !== undefined) faults[key] = n;
  }
  const latency = text('latency');
  if (latency !== undefined) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(latency);
    if (!m) throw new Error(`--latency needs MIN-MAX in ms, got "${latency}"`);
    faults.latencyMs = { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
  }
  if (values['no-blob-403']) faults.blobThrottleAs403 = false;
  const foreignHost = text('foreign-host');
  if (foreignHost !== undefined) faults.foreignHost = foreignHost;
  const oversizeMb = number('oversize-mb');
  if (oversizeMb !== undefined) faults.oversizeBlobBytes = Math.round(oversizeMb * 1024 * 1024);

  const options: SimOptions & { help: boolean } = { help: values.help === true, tenant, faults };
  const port = number('port');
  if (port !== undefined) options.port = port;
  const seed = number('seed');
  if (seed !== undefined) options.seed = seed;
  const pageSize = number('page-size');
  if (pageSize !== undefined) options.pageSize = pageSize;
  const replay = text('replay');
  if (replay !== undefined) options.replayDir = replay;
  const tenants = text('tenants');
  if (tenants !== undefined) options.tenants = parseTenants(tenants);
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
