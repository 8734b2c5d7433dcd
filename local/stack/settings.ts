/**
 * Which stand-ins the stack starts, and the app settings it hands the host. docs/local-stand-ins.md: every real setting that is
 * present replaces its stand-in, so a user can point one piece (say Kusto) at Azure and keep the rest local.
 * Pure functions, so the decisions are testable without starting anything.
 */

/** The default database of the local Kusto endpoint (the same one `npm run kql` assumes). */
export const LOCAL_KUSTO_DATABASE = 'O365';

export interface StandInPlan {
  /** No O365_API_URL / O365_LOGIN_URL: serve the simulator. */
  o365Sim: boolean;
  /** No KUSTO_CLUSTER_URL: serve the local Kusto endpoint. */
  kusto: boolean;
  /** No AzureWebJobsStorage (or the development-storage shorthand): run Azurite. */
  azurite: boolean;
}

const present = (env: NodeJS.ProcessEnv, name: string): boolean => (env[name] ?? '').trim() !== '';

export function planStandIns(env: NodeJS.ProcessEnv): StandInPlan {
  const storage = (env.AzureWebJobsStorage ?? '').trim();
  return {
    // A named cloud means the real service of that cloud (its hosts come from src/o365/clouds.ts).
    o365Sim: !present(env, 'O365_API_URL') && !present(env, 'O365_LOGIN_URL') && !present(env, 'O365_CLOUD'),
    kusto: !present(env, 'KUSTO_CLUSTER_URL'),
    azurite: storage === '' || /^UseDevelopmentStorage=true/i.test(storage),
  };
}

export interface StandInEndpoints {
  o365?: { apiUrl: string; loginUrl: string; tenantId: string; clientId: string; clientSecret: string };
  kustoUrl?: string;
  storageConnectionString?: string;
}

/**
 * The settings the app reads (docs/settings.md): the stand-ins' endpoints and credentials where the user gave none, the
 * user's own values everywhere else. Streaming ingestion locally, because a queued batch would only show up after the
 * local worker's next poll and the console view is meant to show alerts arriving.
 */
export function appSettings(
  env: NodeJS.ProcessEnv,
  standIns: StandInEndpoints,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const settings: Record<string, string> = {};
  if (standIns.o365) {
    settings.O365_API_URL = standIns.o365.apiUrl;
    settings.O365_LOGIN_URL = standIns.o365.loginUrl;
    settings.O365_TENANT_ID = standIns.o365.tenantId;
    settings.O365_CLIENT_ID = standIns.o365.clientId;
    settings.O365_CLIENT_SECRET = standIns.o365.clientSecret;
  }
  if (standIns.kustoUrl) {
    settings.KUSTO_CLUSTER_URL = standIns.kustoUrl;
    if (!present(env, 'KUSTO_DATABASE')) settings.KUSTO_DATABASE = LOCAL_KUSTO_DATABASE;
    if (!present(env, 'KUSTO_INGESTION_MODE')) settings.KUSTO_INGESTION_MODE = 'streaming';
  }
  if (standIns.storageConnectionString) settings.AzureWebJobsStorage = standIns.storageConnectionString;
  return { ...settings, ...overrides };
}

/**
 * Every setting the app reads (src/config.ts, src/runtime.ts). A test keeps this list in step with config.ts.
 * Used to isolate a stack from the developer's shell: see {@link isolatedAppEnv}.
 */
export const APP_SETTING_NAMES = [
  'O365_TENANT_ID',
  'O365_CLIENT_ID',
  'O365_CLIENT_SECRET',
  'O365_CLIENT_SECRET_NAME',
  'O365_CLIENT_CERTIFICATE_PATH',
  'O365_MANAGED_IDENTITY_CLIENT_ID',
  'O365_LOGIN_URL',
  'O365_API_URL',
  'O365_CONTENT_TYPES',
  'O365_PUBLISHER_ID',
  'O365_REQUESTS_PER_MINUTE',
  'O365_CLOUD',
  'O365_MAX_CONTENT_MB',
  'O365_TENANTS',
  'O365_FEDERATED_TOKEN_AUDIENCE',
  'O365_AUTH_MODE',
  'KEY_VAULT_URL',
  'KUSTO_CLUSTER_URL',
  'KUSTO_INGEST_URL',
  'KUSTO_DATABASE',
  'KUSTO_TABLE',
  'KUSTO_INGESTION_MODE',
  'KUSTO_MANAGED_IDENTITY_CLIENT_ID',
  'KUSTO_TELEMETRY_TABLE',
  'KUSTO_BATCHING_SECONDS',
  'AzureWebJobsStorage',
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__blobServiceUri',
  'AZURE_CLIENT_ID',
  'ARCHIVE_CONTAINER',
  'PIPELINE_WINDOW_MINUTES',
  'PIPELINE_START_FROM',
  'PIPELINE_SETTLE_MINUTES',
  'PIPELINE_RELIST_OVERLAP_MINUTES',
  'ALERT_HOLD_HOURS',
  'ALERT_RULES',
] as const;

/**
 * The app's whole environment when the caller gave the stack its own `env` (tests): every app setting comes from that
 * env or the stack, and one the env lacks is blanked (the app treats blank as unset), so a value exported in the
 * developer's shell cannot leak into the run.
 */
export function isolatedAppEnv(
  env: NodeJS.ProcessEnv,
  settings: Record<string, string>,
): Record<string, string> {
  const isolated: Record<string, string> = {};
  for (const name of APP_SETTING_NAMES) isolated[name] = env[name] ?? '';
  return { ...isolated, ...settings };
}
