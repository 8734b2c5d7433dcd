/**
 * The documented differences between the settings the code reads (src/config.ts) and the settings the templates
 * write (infra/modules/functionapp.bicep). Anything not listed here must match exactly; each entry says why it is
 * allowed to differ, and the README's "App settings" table repeats these reasons for operators.
 */

/** Read by loadConfig, deliberately not written by the templates: optional, with a code default or an alternative. */
export const READ_NOT_WRITTEN: Readonly<Record<string, string>> = {
  AzureWebJobsStorage:
    'connection-string form (local stack, Azurite); Azure uses identity-based AzureWebJobsStorage__accountName, no account keys',
  AzureWebJobsStorage__blobServiceUri:
    'alternative to __accountName for custom or sovereign-cloud endpoints; __accountName covers public Azure',
  O365_CLIENT_SECRET_NAME:
    'alternative to the Key Vault reference in O365_CLIENT_SECRET (the app would read the vault itself); the reference is used',
  O365_CLIENT_CERTIFICATE_PATH:
    'certificate authentication needs a certificate file on the instance, which these templates do not provision',
  O365_PUBLISHER_ID: 'defaults to the tenant id, which is what the API recommends for its throttling pool',
  O365_REQUESTS_PER_MINUTE: 'tuning; the code default (2,000/min) is the API budget',
  PIPELINE_SETTLE_MINUTES: 'tuning; the code default (5) fits the API publishing delay',
  PIPELINE_RELIST_OVERLAP_MINUTES: 'tuning; the code default (120) catches content listed late',
  ALERT_HOLD_HOURS: 'tuning; the code default (72 h) is how long an alert waits for its AIR investigation',
  O365_TENANTS:
    'optional per-tenant overrides (names, clouds, credentials, budgets) for a multi-tenant deployment, set after deploy',
  O365_MAX_CONTENT_MB: 'tuning; the code default (100 MB) caps a content blob body',
  O365_AUTH_MODE:
    'the credential is inferred from the other O365_* settings; only a secretless multi-tenant set-up names it',
  O365_FEDERATED_TOKEN_AUDIENCE:
    "federated credentials only; the code default is the cloud's token-exchange audience",
  KUSTO_BATCHING_SECONDS:
    "read by the deployer's Kusto setup (postprovision hook), which sets the tables' batching policy; code default 30",
};

/** Written by the templates, not read by loadConfig: read by the Functions host, the platform or an Azure SDK. */
export const WRITTEN_NOT_READ: Readonly<Record<string, string>> = {
  AzureWebJobsStorage__credential: 'Functions host and Durable extension: identity-based storage connection',
  AzureWebJobsStorage__clientId: 'Functions host: which user-assigned identity the storage connection uses',
  AZURE_CLIENT_ID: '@azure/identity DefaultAzureCredential: selects the user-assigned identity',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'Functions host: telemetry destination',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Functions host: Entra-authenticated telemetry',
  FUNCTIONS_EXTENSION_VERSION: 'Elastic Premium only: runtime version (Flex sets it in functionAppConfig)',
  FUNCTIONS_WORKER_RUNTIME: 'Elastic Premium only: language worker (Flex sets it in functionAppConfig)',
  WEBSITE_CONTENTAZUREFILECONNECTIONSTRING: 'Elastic Premium only: Azure Files content share',
  WEBSITE_CONTENTSHARE: 'Elastic Premium only: Azure Files content share name',
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING:
    'Durable extension: Durable Task Scheduler endpoint (optional backend)',
  AzureFunctionsJobHost__extensions__durableTask__hubName: 'host.json override: scheduler task hub name',
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type:
    'host.json override: selects the Durable Task Scheduler backend',
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName:
    'host.json override: names the scheduler connection setting',
};

export interface SettingsDifference {
  /** Read by the code, not written by the templates, not documented. */
  undocumentedMissing: string[];
  /** Written by the templates, not read by the code, not documented. */
  undocumentedExtra: string[];
  /** Documented as a difference but no longer one (the list is stale). */
  stale: string[];
}

/** Compares the two name sets against the documented differences. */
export function compareSettings(
  read: ReadonlySet<string>,
  written: ReadonlySet<string>,
  readNotWritten: Readonly<Record<string, string>> = READ_NOT_WRITTEN,
  writtenNotRead: Readonly<Record<string, string>> = WRITTEN_NOT_READ,
): SettingsDifference {
  const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
  const undocumentedMissing = sorted([...read].filter((n) => !written.has(n) && !(n in readNotWritten)));
  const undocumentedExtra = sorted([...written].filter((n) => !read.has(n) && !(n in writtenNotRead)));
  const stale = sorted([
    ...Object.keys(readNotWritten).filter((n) => !read.has(n) || written.has(n)),
    ...Object.keys(writtenNotRead).filter((n) => !written.has(n) || read.has(n)),
  ]);
  return { undocumentedMissing, undocumentedExtra, stale };
}
