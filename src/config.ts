/**
 * Typed settings, read once from the environment (app settings on Azure) and validated at start-up.
 *
 * Setting names are a contract with users, Bicep (infra/) and tests: see DESIGN §6 and the README's settings table.
 * Every problem is collected and reported together, each naming its setting and what is expected, so a deployment
 * is fixed in one pass rather than one restart per typo. Secret values are never echoed in errors.
 */

export const CONTENT_TYPES = [
  'Audit.AzureActiveDirectory',
  'Audit.Exchange',
  'Audit.SharePoint',
  'Audit.General',
  'DLP.All',
] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export type IngestionMode = 'queued' | 'streaming';

/** How the app obtains its token for the Management Activity API. */
export type O365Auth =
  | { kind: 'clientSecret'; clientId: string; clientSecret: string }
  /** The secret is read from Key Vault at start-up (KEY_VAULT_URL + O365_CLIENT_SECRET_NAME). */
  | { kind: 'keyVaultSecret'; clientId: string; keyVaultUrl: string; secretName: string }
  | { kind: 'clientCertificate'; clientId: string; certificatePath: string }
  /** System-assigned identity, or the user-assigned one named by clientId. */
  | { kind: 'managedIdentity'; clientId?: string };

export interface Config {
  o365: {
    tenantId: string;
    auth: O365Auth;
    loginUrl: string;
    apiUrl: string;
    contentTypes: ContentType[];
    /** Sent as PublisherIdentifier on every call; defaults to the tenant id (larger throttling pool). */
    publisherId: string;
    requestsPerMinute: number;
  };
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

  const tenantId = required(
    'O365_TENANT_ID',
    'the Entra tenant id (a GUID) whose audit content is collected',
  );
  if (tenantId && !GUID.test(tenantId)) problems.push(`O365_TENANT_ID must be a GUID, got "${tenantId}".`);

  const clientId = get('O365_CLIENT_ID');
  const clientSecret = get('O365_CLIENT_SECRET');
  const secretName = get('O365_CLIENT_SECRET_NAME');
  const certificatePath = get('O365_CLIENT_CERTIFICATE_PATH');
  const keyVaultUrl = get('KEY_VAULT_URL') ? url('KEY_VAULT_URL', undefined, 'the Key Vault URI') : undefined;
  let auth: O365Auth;
  if (clientSecret !== undefined || certificatePath !== undefined || secretName !== undefined) {
    if (!clientId)
      problems.push(
        'O365_CLIENT_ID is missing: the app registration id is needed with a client secret or certificate.',
      );
    if (clientSecret !== undefined) auth = { kind: 'clientSecret', clientId: clientId ?? '', clientSecret };
    else if (certificatePath !== undefined)
      auth = { kind: 'clientCertificate', clientId: clientId ?? '', certificatePath };
    else {
      if (!keyVaultUrl)
        problems.push('KEY_VAULT_URL is missing: O365_CLIENT_SECRET_NAME names a secret in that vault.');
      auth = {
        kind: 'keyVaultSecret',
        clientId: clientId ?? '',
        keyVaultUrl: keyVaultUrl ?? '',
        secretName: secretName ?? '',
      };
    }
  } else {
    auth = { kind: 'managedIdentity', clientId: get('O365_MANAGED_IDENTITY_CLIENT_ID') };
  }

  const contentTypes = (get('O365_CONTENT_TYPES') ?? 'Audit.General')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const ct of contentTypes) {
    if (!(CONTENT_TYPES as readonly string[]).includes(ct)) {
      problems.push(
        `O365_CONTENT_TYPES has unknown content type "${ct}": expected a comma-separated list of ${CONTENT_TYPES.join(', ')}.`,
      );
    }
  }

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
    o365: {
      tenantId,
      auth,
      loginUrl: url('O365_LOGIN_URL', 'https://login.microsoftonline.com', 'the Entra authority host'),
      apiUrl: url('O365_API_URL', 'https://manage.office.com', 'the Management Activity API root'),
      contentTypes: contentTypes as ContentType[],
      publisherId: get('O365_PUBLISHER_ID') ?? tenantId,
      requestsPerMinute: int('O365_REQUESTS_PER_MINUTE', 2000, 1, 100_000),
    },
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
