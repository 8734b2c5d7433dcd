/**
 * Which stand-ins the stack starts, and the app settings it hands the host. DESIGN §7: every real setting that is
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
    o365Sim: !present(env, 'O365_API_URL') && !present(env, 'O365_LOGIN_URL'),
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
 * The settings the app reads (DESIGN §6): the stand-ins' endpoints and credentials where the user gave none, the
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
