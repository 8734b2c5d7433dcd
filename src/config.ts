/**
 * Typed settings, read once from the environment (app settings on Azure) and validated at start-up.
 *
 * Setting names are a contract with users, Bicep (infra/) and tests: see the settings table in the docs.
 * Every problem is collected and reported together, each naming its setting and what is expected, so a deployment
 * is fixed in one pass rather than one restart per typo. Secret values are never echoed in errors.
 */

import { type Cloud, CLOUDS, cloudEndpoints, isLoopbackHost, parseCloud } from './o365/clouds';

export const CONTENT_TYPES = [
  'Audit.AzureActiveDirectory',
  'Audit.Exchange',
  'Audit.SharePoint',
  'Audit.General',
  'DLP.All',
] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export type IngestionMode = 'queued' | 'streaming';

/** How the app obtains its token for the Management Activity API in one tenant. */
export type O365Auth =
  | { kind: 'clientSecret'; clientId: string; clientSecret: string }
  /** The secret is read from Key Vault at start-up (KEY_VAULT_URL + the secret's name). */
  | { kind: 'keyVaultSecret'; clientId: string; keyVaultUrl: string; secretName: string }
  | { kind: 'clientCertificate'; clientId: string; certificatePath: string }
  /** System-assigned identity, or the user-assigned one named by clientId. Acts only in its own tenant. */
  | { kind: 'managedIdentity'; clientId?: string }
  /**
   * The app's managed identity signs in as a multi-tenant app registration (`clientId`) through a federated
   * credential on that registration: its token for `audience` is the client assertion. Works in every tenant that
   * consented to the app.
   */
  | {
      kind: 'federatedManagedIdentity';
      clientId: string;
      managedIdentityClientId?: string;
      audience: string;
    };

/** One tenant whose audit content is collected, every setting resolved (O365_* settings and O365_TENANTS). */
export interface TenantConfig {
  tenantId: string;
  /** Display name (TenantName column, status); default the tenant id. */
  name: string;
  cloud: Cloud;
  /** Entra authority: the cloud's, unless O365_LOGIN_URL or the tenant's loginUrl says otherwise. */
  loginUrl: string;
  /** Management API root (also the token audience): the cloud's, unless O365_API_URL or the tenant's apiUrl. */
  apiUrl: string;
  auth: O365Auth;
  contentTypes: ContentType[];
  /** Sent as PublisherIdentifier on every call; defaults to the tenant id (larger throttling pool). */
  publisherId: string;
  /** This tenant's own request budget; throttling is counted by the service per tenant and publisher. */
  requestsPerMinute: number;
  /** A disabled tenant keeps its state but is not collected. */
  enabled: boolean;
  /** Largest content blob body read, in bytes (O365_MAX_CONTENT_MB). */
  maxContentBytes: number;
}

/**
 * What the O365 client needs of a tenant: a {@link TenantConfig}, or the older single-tenant shape (name, cloud,
 * enabled and the content cap then take their defaults).
 */
export type O365Settings = Omit<TenantConfig, 'name' | 'cloud' | 'enabled' | 'maxContentBytes'> &
  Partial<Pick<TenantConfig, 'name' | 'cloud' | 'enabled' | 'maxContentBytes'>>;

export interface Config {
  /**
   * The first enabled tenant (the first tenant when none is enabled), for single-tenant callers; at run time it is
   * the same fully resolved object as its entry in {@link Config.tenants}.
   */
  o365: O365Settings;
  /** Every tenant in O365_TENANT_ID order, disabled ones included. */
  tenants: TenantConfig[];
  kusto: {
    clusterUrl: string;
    ingestUrl: string;
    database: string;
    table: string;
    ingestionMode: IngestionMode;
    /** Managed identity client id for Kusto (user-assigned); undefined = the default credential chain. */
    managedIdentityClientId?: string;
    /** One row per window run (KUSTO_TELEMETRY_TABLE); undefined = O365PipelineRuns. */
    telemetryTable?: string;
    /** Ingestion batching time of both tables, in seconds (KUSTO_BATCHING_SECONDS); undefined = 30. */
    batchingSeconds?: number;
  };
  storage: {
    /** Connection string, or undefined when identity-based (AzureWebJobsStorage__accountName / __blobServiceUri). */
    connectionString?: string;
    blobServiceUrl?: string;
    archiveContainer: string;
  };
  pipeline: {
    windowMinutes: number;
    /** First window start when no checkpoint exists; undefined = now minus one window. */
    startFrom?: string;
    /** Windows end no later than now minus this, so content still being published is not cut in half. */
    settleMinutes: number;
    /** Each cycle re-lists this much before the checkpoint so content that is listed late is still found. */
    relistOverlapMinutes: number;
    /** How long a user-reported alert waits for its AIR investigation before it is reported as expired. */
    alertHoldHours: number;
  };
  /** ALERT_RULES as given: inline JSON or a path; undefined = the default rule set. Parsed by src/alerts. */
  alertRules?: string;
  keyVaultUrl?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads and validates every setting; throws {@link ConfigError} listing all problems at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const required = (name: string, what: string): string => {
    const v = get(name);
    if (v === undefined) problems.push(`${name} is missing: expected ${what}.`);
    return v ?? '';
  };
  const url = (name: string, fallback: string | undefined, what: string): string => {
    const v = get(name) ?? fallback;
    if (v === undefined) {
      problems.push(`${name} is missing: expected ${what}.`);
      return '';
    }
    try {
      const u = new URL(v);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      return v.replace(/\/+$/, '');
    } catch {
      problems.push(`${name} is not a valid http(s) URL: expected ${what}, got "${v}".`);
      return '';
    }
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${v}".`);
      return fallback;
    }
    return n;
  };

  const keyVaultUrl = get('KEY_VAULT_URL') ? url('KEY_VAULT_URL', undefined, 'the Key Vault URI') : undefined;
  const tenants = loadTenants({ get, int, problems }, keyVaultUrl);

  const clusterUrl = url(
    'KUSTO_CLUSTER_URL',
    undefined,
    'the Azure Data Explorer cluster URI, e.g. https://mycluster.westeurope.kusto.windows.net',
  );
  let derivedIngest: string | undefined;
  if (clusterUrl) {
    const u = new URL(clusterUrl);
    const isLocal =
      u.hostname === 'localhost' || /^[\d.]+$/.test(u.hostname) || u.hostname.startsWith('ingest-');
    derivedIngest = isLocal ? clusterUrl : `${u.protocol}//ingest-${u.host}`;
  }
  const ingestionMode = get('KUSTO_INGESTION_MODE') ?? 'queued';
  if (ingestionMode !== 'queued' && ingestionMode !== 'streaming') {
    problems.push(`KUSTO_INGESTION_MODE must be "queued" or "streaming", got "${ingestionMode}".`);
  }
  const table = get('KUSTO_TABLE') ?? 'O365SecurityAlerts';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,1023}$/.test(table))
    problems.push(`KUSTO_TABLE must be a plain Kusto table name (letters, digits, _), got "${table}".`);
  const telemetryTable = get('KUSTO_TELEMETRY_TABLE') ?? 'O365PipelineRuns';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,1023}$/.test(telemetryTable))
    problems.push(
      `KUSTO_TELEMETRY_TABLE must be a plain Kusto table name (letters, digits, _), got "${telemetryTable}".`,
    );
  else if (telemetryTable === table)
    problems.push(`KUSTO_TELEMETRY_TABLE must differ from KUSTO_TABLE (both are "${table}").`);
  // The service refuses a batching time under 10 seconds; above its own default (5 minutes) nothing is gained.
  const batchingSeconds = int('KUSTO_BATCHING_SECONDS', 30, 10, 300);

  const connectionString = get('AzureWebJobsStorage');
  const blobServiceUrl =
    get('AzureWebJobsStorage__blobServiceUri') ??
    (get('AzureWebJobsStorage__accountName')
      ? `https://${get('AzureWebJobsStorage__accountName')}.blob.core.windows.net`
      : undefined);
  if (!connectionString && !blobServiceUrl) {
    problems.push(
      'AzureWebJobsStorage is missing: expected a storage connection string, or AzureWebJobsStorage__accountName for identity-based access.',
    );
  }
  const archiveContainer = get('ARCHIVE_CONTAINER') ?? 'o365-archive';
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(archiveContainer)) {
    problems.push(
      `ARCHIVE_CONTAINER must be a valid blob container name (3-63 lower-case letters, digits, single hyphens), got "${archiveContainer}".`,
    );
  }

  const startFrom = get('PIPELINE_START_FROM');
  if (startFrom !== undefined && Number.isNaN(Date.parse(startFrom))) {
    problems.push(
      `PIPELINE_START_FROM must be an ISO 8601 UTC time such as 2026-01-31T00:00:00Z, got "${startFrom}".`,
    );
  }

  const config: Config = {
    o365: tenants.find((t) => t.enabled) ?? tenants[0]!,
    tenants,
    kusto: {
      clusterUrl,
      ingestUrl: clusterUrl ? url('KUSTO_INGEST_URL', derivedIngest, 'the cluster ingestion URI') : '',
      database: required('KUSTO_DATABASE', 'the Azure Data Explorer database name'),
      table,
      ingestionMode: ingestionMode as IngestionMode,
      managedIdentityClientId: get('KUSTO_MANAGED_IDENTITY_CLIENT_ID'),
      telemetryTable,
      batchingSeconds,
    },
    storage: { connectionString, blobServiceUrl, archiveContainer },
    pipeline: {
      windowMinutes: int('PIPELINE_WINDOW_MINUTES', 60, 1, 1440),
      startFrom,
      settleMinutes: int('PIPELINE_SETTLE_MINUTES', 5, 0, 720),
      relistOverlapMinutes: int('PIPELINE_RELIST_OVERLAP_MINUTES', 120, 0, 1440),
      alertHoldHours: int('ALERT_HOLD_HOURS', 72, 1, 24 * 7),
    },
    alertRules: get('ALERT_RULES'),
    keyVaultUrl,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

interface SettingReader {
  get(name: string): string | undefined;
  int(name: string, fallback: number, min: number, max: number): number;
  problems: string[];
}

const TENANT_FIELDS = [
  'name',
  'cloud',
  'loginUrl',
  'apiUrl',
  'contentTypes',
  'publisherId',
  'requestsPerMinute',
  'enabled',
  'credential',
] as const;
type TenantOverride = Partial<Record<(typeof TENANT_FIELDS)[number], unknown>>;

const CREDENTIAL_TYPES = [
  'keyVaultSecret',
  'certificate',
  'managedIdentity',
  'federatedManagedIdentity',
] as const;
const CREDENTIAL_FIELDS = [
  'type',
  'clientId',
  'secretName',
  'certificatePath',
  'managedIdentityClientId',
  'audience',
] as const;
const AUTH_MODES = ['clientSecret', ...CREDENTIAL_TYPES] as const;
type AuthMode = (typeof AUTH_MODES)[number];

const TENANTS_EXAMPLE =
  '{"<tenant GUID>": {"name": "Contoso", "cloud": "GCCHigh", "credential": {"type": "keyVaultSecret", "secretName": "contoso-o365"}}}';

/**
 * The tenants: O365_TENANT_ID (one GUID or a comma-separated list) with the shared O365_* settings as defaults, and
 * O365_TENANTS (JSON object keyed by tenant id) overriding them per tenant.
 */
function loadTenants(r: SettingReader, keyVaultUrl: string | undefined): TenantConfig[] {
  const { get, problems } = r;
  const rawIds = get('O365_TENANT_ID');
  if (rawIds === undefined) {
    problems.push(
      'O365_TENANT_ID is missing: expected the Entra tenant id (a GUID) whose audit content is collected, or a comma-separated list of tenant ids.',
    );
  }
  const ids: string[] = [];
  for (const part of (rawIds ?? '').split(',')) {
    const id = part.trim();
    if (id === '') continue;
    if (!GUID.test(id)) {
      problems.push(`O365_TENANT_ID must be a GUID or a comma-separated list of GUIDs, got "${id}".`);
    } else if (ids.some((x) => x.toLowerCase() === id.toLowerCase())) {
      problems.push(`O365_TENANT_ID lists tenant ${id} more than once: list each tenant once.`);
    } else ids.push(id);
  }

  const cloudSetting = get('O365_CLOUD');
  const globalCloud = cloudSetting === undefined ? undefined : parseCloud(cloudSetting);
  if (cloudSetting !== undefined && globalCloud === undefined) {
    problems.push(`O365_CLOUD must be one of ${CLOUDS.join(', ')}, got "${cloudSetting}".`);
  }
  const loginOverride = serviceUrl('O365_LOGIN_URL', get('O365_LOGIN_URL'), problems);
  const apiOverride = serviceUrl('O365_API_URL', get('O365_API_URL'), problems);
  const defaultContentTypes = contentTypeList(
    'O365_CONTENT_TYPES',
    get('O365_CONTENT_TYPES') ?? 'Audit.General',
    problems,
  );
  const globalPublisher = get('O365_PUBLISHER_ID');
  if (globalPublisher !== undefined && !GUID.test(globalPublisher)) {
    problems.push(`O365_PUBLISHER_ID must be a GUID (the publisher's tenant id), got "${globalPublisher}".`);
  }
  const requestsPerMinute = r.int('O365_REQUESTS_PER_MINUTE', 2000, 1, 100_000);
  const maxContentBytes = r.int('O365_MAX_CONTENT_MB', 100, 1, 1024) * 1024 * 1024;
  const globalAuth = globalAuthSettings(r, keyVaultUrl);
  const overrides = parseTenantOverrides(get('O365_TENANTS'), problems);
  for (const [key, { id }] of overrides) {
    if (!ids.some((x) => x.toLowerCase() === key)) {
      problems.push(
        `O365_TENANTS has an entry for tenant ${id}, which O365_TENANT_ID does not list: add the tenant there or remove the entry.`,
      );
    }
  }

  const tenants: TenantConfig[] = [];
  for (const tenantId of ids) {
    const o = overrides.get(tenantId.toLowerCase())?.entry ?? {};
    const at = (field: string) => `O365_TENANTS["${tenantId}"].${field}`;
    let cloud: Cloud | undefined;
    if (o.cloud !== undefined) {
      cloud = typeof o.cloud === 'string' ? parseCloud(o.cloud) : undefined;
      if (cloud === undefined) {
        problems.push(`${at('cloud')} must be one of ${CLOUDS.join(', ')}, got ${JSON.stringify(o.cloud)}.`);
      }
    }
    const loginUrl =
      o.loginUrl !== undefined
        ? serviceUrl(at('loginUrl'), stringOrProblem(o.loginUrl), problems)
        : loginOverride;
    const apiUrl =
      o.apiUrl !== undefined ? serviceUrl(at('apiUrl'), stringOrProblem(o.apiUrl), problems) : apiOverride;
    const explicitCloud = cloud ?? globalCloud;
    const resolvedCloud = explicitCloud ?? (apiUrl ? cloudOfApiUrl(apiUrl) : undefined) ?? 'Commercial';
    const endpoints = cloudEndpoints(resolvedCloud);
    const cloudName = cloud !== undefined ? at('cloud') : 'O365_CLOUD';
    if (explicitCloud !== undefined && apiUrl) {
      const other = cloudOfApiUrl(apiUrl);
      if (other !== undefined && other !== explicitCloud) {
        problems.push(
          `${o.apiUrl !== undefined ? at('apiUrl') : 'O365_API_URL'} is ${apiUrl}, the ${other} API, but ${cloudName} is ${explicitCloud} (${endpoints.apiUrl}): remove the URL to use the cloud's, or make them agree.`,
        );
      }
    }
    if (explicitCloud !== undefined && loginUrl) {
      const known = knownAuthority(loginUrl);
      if (known !== undefined && known !== endpoints.loginUrl) {
        problems.push(
          `${o.loginUrl !== undefined ? at('loginUrl') : 'O365_LOGIN_URL'} is ${loginUrl}, but ${cloudName} is ${explicitCloud}, whose authority is ${endpoints.loginUrl}: remove the URL to use the cloud's, or make them agree.`,
        );
      }
    }

    let name = tenantId;
    if (o.name !== undefined) {
      if (
        typeof o.name !== 'string' ||
        o.name.trim() === '' ||
        o.name.length > 256 ||
        [...o.name].some((ch) => ch.charCodeAt(0) < 0x20)
      ) {
        problems.push(
          `${at('name')} must be a display name of 1 to 256 printable characters, got ${JSON.stringify(o.name)}.`,
        );
      } else name = o.name.trim();
    }
    if (tenants.some((t) => t.name.toLowerCase() === name.toLowerCase())) {
      problems.push(
        `${at('name')} "${name}" is already the name of another tenant: give each tenant its own name.`,
      );
    }
    let contentTypes = defaultContentTypes;
    if (o.contentTypes !== undefined) {
      const v =
        Array.isArray(o.contentTypes) && o.contentTypes.every((x) => typeof x === 'string')
          ? o.contentTypes.join(',')
          : typeof o.contentTypes === 'string'
            ? o.contentTypes
            : undefined;
      if (v === undefined) {
        problems.push(
          `${at('contentTypes')} must be a list of content types such as ["Audit.General"], got ${JSON.stringify(o.contentTypes)}.`,
        );
      } else contentTypes = contentTypeList(at('contentTypes'), v, problems);
    }
    let publisherId = globalPublisher ?? tenantId;
    if (o.publisherId !== undefined) {
      if (typeof o.publisherId !== 'string' || !GUID.test(o.publisherId)) {
        problems.push(
          `${at('publisherId')} must be a GUID (the publisher's tenant id), got ${JSON.stringify(o.publisherId)}.`,
        );
      } else publisherId = o.publisherId;
    }
    let rpm = requestsPerMinute;
    if (o.requestsPerMinute !== undefined) {
      const n = o.requestsPerMinute;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100_000) {
        problems.push(
          `${at('requestsPerMinute')} must be a whole number from 1 to 100000, got ${JSON.stringify(n)}.`,
        );
      } else rpm = n;
    }
    let enabled = true;
    if (o.enabled !== undefined) {
      if (typeof o.enabled !== 'boolean') {
        problems.push(`${at('enabled')} must be true or false, got ${JSON.stringify(o.enabled)}.`);
      } else enabled = o.enabled;
    }
    let auth: O365Auth;
    if (o.credential !== undefined) {
      auth = tenantCredential(at('credential'), o.credential, globalAuth, keyVaultUrl, endpoints, problems);
    } else {
      auth = globalAuth.resolve(endpoints);
      if (auth.kind === 'managedIdentity' && ids.length > 1) {
        problems.push(
          `O365_TENANT_ID lists ${ids.length} tenants, but tenant ${tenantId} would sign in with the app's managed identity, which acts only in its own tenant: ` +
            'use a multi-tenant app registration (O365_CLIENT_ID with O365_CLIENT_SECRET_NAME or O365_CLIENT_CERTIFICATE_PATH, or O365_AUTH_MODE=federatedManagedIdentity), ' +
            `or give the tenant a credential in O365_TENANTS (e.g. {"type": "managedIdentity"} for the identity's own tenant).`,
        );
      }
    }
    tenants.push({
      tenantId,
      name,
      cloud: resolvedCloud,
      loginUrl: loginUrl || endpoints.loginUrl,
      apiUrl: apiUrl || endpoints.apiUrl,
      auth,
      contentTypes,
      publisherId,
      requestsPerMinute: rpm,
      enabled,
      maxContentBytes,
    });
  }
  return tenants;
}

/** A Management API or authority URL: https, or http on a loopback host (local stand-ins). Undefined when unset. */
function serviceUrl(name: string, value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    problems.push(
      `${name} is not a valid URL: expected an https URL such as https://manage.office.com, got "${value}".`,
    );
    return undefined;
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    problems.push(`${name} must be an https URL (plain http only on a loopback host), got "${value}".`);
    return undefined;
  }
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}

function stringOrProblem(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function contentTypeList(name: string, value: string, problems: string[]): ContentType[] {
  const list = [
    ...new Set(
      value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (list.length === 0)
    problems.push(`${name} is empty: expected at least one of ${CONTENT_TYPES.join(', ')}.`);
  for (const ct of list) {
    if (!(CONTENT_TYPES as readonly string[]).includes(ct)) {
      problems.push(
        `${name} has unknown content type "${ct}": expected a comma-separated list of ${CONTENT_TYPES.join(', ')}.`,
      );
    }
  }
  return list as ContentType[];
}

function cloudOfApiUrl(apiUrl: string): Cloud | undefined {
  const origin = new URL(apiUrl).origin.toLowerCase();
  return CLOUDS.find((c) => cloudEndpoints(c).apiUrl === origin);
}

function knownAuthority(loginUrl: string): string | undefined {
  const origin = new URL(loginUrl).origin.toLowerCase();
  return CLOUDS.map((c) => cloudEndpoints(c).loginUrl).find((l) => l === origin);
}

/** The shared credential settings; resolved per tenant because the federated token's audience depends on the cloud. */
function globalAuthSettings(
  r: SettingReader,
  keyVaultUrl: string | undefined,
): { resolve(endpoints: { federatedTokenAudience: string }): O365Auth } {
  const { get, problems } = r;
  const clientId = get('O365_CLIENT_ID');
  const clientSecret = get('O365_CLIENT_SECRET');
  const secretName = get('O365_CLIENT_SECRET_NAME');
  const certificatePath = get('O365_CLIENT_CERTIFICATE_PATH');
  const managedIdentityClientId = get('O365_MANAGED_IDENTITY_CLIENT_ID');
  const audience = get('O365_FEDERATED_TOKEN_AUDIENCE');
  const modeSetting = get('O365_AUTH_MODE');
  let mode: AuthMode;
  if (modeSetting !== undefined) {
    const m = AUTH_MODES.find((x) => x.toLowerCase() === modeSetting.toLowerCase());
    if (m === undefined)
      problems.push(`O365_AUTH_MODE must be one of ${AUTH_MODES.join(', ')}, got "${modeSetting}".`);
    mode = m ?? 'managedIdentity';
  } else if (clientSecret !== undefined) mode = 'clientSecret';
  else if (certificatePath !== undefined) mode = 'certificate';
  else if (secretName !== undefined) mode = 'keyVaultSecret';
  else mode = 'managedIdentity';

  const need = (value: string | undefined, name: string, why: string): string => {
    if (value === undefined) problems.push(`${name} is missing: ${why}`);
    return value ?? '';
  };
  if (mode !== 'managedIdentity') {
    need(
      clientId,
      'O365_CLIENT_ID',
      'the app registration id is needed with a client secret, a certificate or a federated credential.',
    );
    if (clientId !== undefined && !GUID.test(clientId))
      problems.push(`O365_CLIENT_ID must be a GUID (the app registration's client id), got "${clientId}".`);
  }
  if (mode === 'clientSecret') need(clientSecret, 'O365_CLIENT_SECRET', 'O365_AUTH_MODE is clientSecret.');
  if (mode === 'certificate')
    need(certificatePath, 'O365_CLIENT_CERTIFICATE_PATH', 'O365_AUTH_MODE is certificate.');
  if (mode === 'keyVaultSecret') {
    need(secretName, 'O365_CLIENT_SECRET_NAME', 'O365_AUTH_MODE is keyVaultSecret.');
    if (!keyVaultUrl)
      problems.push('KEY_VAULT_URL is missing: O365_CLIENT_SECRET_NAME names a secret in that vault.');
  }
  return {
    resolve(endpoints) {
      switch (mode) {
        case 'clientSecret':
          return { kind: 'clientSecret', clientId: clientId ?? '', clientSecret: clientSecret ?? '' };
        case 'certificate':
          return {
            kind: 'clientCertificate',
            clientId: clientId ?? '',
            certificatePath: certificatePath ?? '',
          };
        case 'keyVaultSecret':
          return {
            kind: 'keyVaultSecret',
            clientId: clientId ?? '',
            keyVaultUrl: keyVaultUrl ?? '',
            secretName: secretName ?? '',
          };
        case 'federatedManagedIdentity':
          return {
            kind: 'federatedManagedIdentity',
            clientId: clientId ?? '',
            managedIdentityClientId,
            audience: audience ?? endpoints.federatedTokenAudience,
          };
        case 'managedIdentity':
          return { kind: 'managedIdentity', clientId: managedIdentityClientId };
      }
    },
  };
}

/** A tenant's own credential from O365_TENANTS; the app registration id defaults to O365_CLIENT_ID. */
function tenantCredential(
  at: string,
  value: unknown,
  globalAuth: { resolve(endpoints: { federatedTokenAudience: string }): O365Auth },
  keyVaultUrl: string | undefined,
  endpoints: { federatedTokenAudience: string },
  problems: string[],
): O365Auth {
  const fallback = globalAuth.resolve(endpoints);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(
      `${at} must be an object such as {"type": "keyVaultSecret", "secretName": "contoso-o365"}, got ${JSON.stringify(value)}.`,
    );
    return fallback;
  }
  const c = value as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (/secret$/i.test(key) && key !== 'secretName') {
      problems.push(
        `${at}.${key}: a secret does not belong in settings; keep it in Key Vault and give its name as "secretName".`,
      );
    } else if (!(CREDENTIAL_FIELDS as readonly string[]).includes(key)) {
      problems.push(`${at} has unknown field "${key}": expected ${CREDENTIAL_FIELDS.join(', ')}.`);
    }
  }
  const str = (field: string): string | undefined => {
    const v = c[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push(`${at}.${field} must be a non-empty string, got ${JSON.stringify(v)}.`);
      return undefined;
    }
    return v.trim();
  };
  const guid = (field: string, fallbackValue: string | undefined): string | undefined => {
    const v = str(field) ?? fallbackValue;
    if (v !== undefined && !GUID.test(v)) problems.push(`${at}.${field} must be a GUID, got "${v}".`);
    return v;
  };
  const type = c.type;
  if (typeof type !== 'string' || !(CREDENTIAL_TYPES as readonly string[]).includes(type)) {
    problems.push(`${at}.type must be one of ${CREDENTIAL_TYPES.join(', ')}, got ${JSON.stringify(type)}.`);
    return fallback;
  }
  const globalClientId =
    'clientId' in fallback && fallback.kind !== 'managedIdentity'
      ? fallback.clientId || undefined
      : undefined;
  const appId = (): string => {
    const v = guid('clientId', globalClientId);
    if (v === undefined)
      problems.push(
        `${at}.clientId is missing and O365_CLIENT_ID is not set: the app registration id is needed for a ${type} credential.`,
      );
    return v ?? '';
  };
  const miClientId = guid(
    'managedIdentityClientId',
    fallback.kind === 'federatedManagedIdentity'
      ? fallback.managedIdentityClientId
      : fallback.kind === 'managedIdentity'
        ? fallback.clientId
        : undefined,
  );
  switch (type as (typeof CREDENTIAL_TYPES)[number]) {
    case 'keyVaultSecret': {
      const secretName = str('secretName');
      if (secretName === undefined)
        problems.push(`${at}.secretName is missing: name the Key Vault secret that holds the client secret.`);
      else if (!/^[0-9A-Za-z-]{1,127}$/.test(secretName))
        problems.push(
          `${at}.secretName must be a Key Vault secret name (letters, digits, hyphens), got "${secretName}".`,
        );
      if (!keyVaultUrl) problems.push(`KEY_VAULT_URL is missing: ${at} names a secret in that vault.`);
      return {
        kind: 'keyVaultSecret',
        clientId: appId(),
        keyVaultUrl: keyVaultUrl ?? '',
        secretName: secretName ?? '',
      };
    }
    case 'certificate': {
      const certificatePath = str('certificatePath');
      if (certificatePath === undefined)
        problems.push(
          `${at}.certificatePath is missing: give the path of the PEM file with the certificate and its private key.`,
        );
      return { kind: 'clientCertificate', clientId: appId(), certificatePath: certificatePath ?? '' };
    }
    case 'managedIdentity':
      return { kind: 'managedIdentity', clientId: miClientId };
    case 'federatedManagedIdentity':
      return {
        kind: 'federatedManagedIdentity',
        clientId: appId(),
        managedIdentityClientId: miClientId,
        audience: str('audience') ?? endpoints.federatedTokenAudience,
      };
  }
}

/** O365_TENANTS: a JSON object keyed by tenant id. Keys are compared case-insensitively. */
function parseTenantOverrides(
  raw: string | undefined,
  problems: string[],
): Map<string, { id: string; entry: TenantOverride }> {
  const out = new Map<string, { id: string; entry: TenantOverride }>();
  if (raw === undefined) return out;
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    // The parser's message can quote the input; only the position is repeated.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    problems.push(
      `O365_TENANTS is not valid JSON${at ? ` (error at character ${at})` : ''}: expected an object keyed by tenant id, e.g. ${TENANTS_EXAMPLE}.`,
    );
    return out;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    problems.push(`O365_TENANTS must be a JSON object keyed by tenant id, e.g. ${TENANTS_EXAMPLE}.`);
    return out;
  }
  for (const [id, entry] of Object.entries(body)) {
    if (!GUID.test(id)) {
      problems.push(
        `O365_TENANTS has key "${id}", which is not a tenant id: keys must be the GUIDs listed in O365_TENANT_ID.`,
      );
      continue;
    }
    if (out.has(id.toLowerCase())) {
      problems.push(`O365_TENANTS has tenant ${id} more than once: keep one entry per tenant.`);
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`O365_TENANTS["${id}"] must be an object of overrides, e.g. {"name": "Contoso"}.`);
      continue;
    }
    for (const key of Object.keys(entry)) {
      if (!(TENANT_FIELDS as readonly string[]).includes(key)) {
        problems.push(
          `O365_TENANTS["${id}"] has unknown field "${key}": expected ${TENANT_FIELDS.join(', ')}.`,
        );
      }
    }
    out.set(id.toLowerCase(), { id, entry: entry as TenantOverride });
  }
  return out;
}
