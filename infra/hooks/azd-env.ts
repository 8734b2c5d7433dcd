/**
 * The values the azd hooks read. azd passes every value of the environment to a hook as an environment variable:
 * what `azd env set` stored and every output of infra/main.bicep (outputs are saved under their own names). Every
 * problem is collected and reported together, each naming the value and how to set it; secret values are never echoed.
 */

/** What the postprovision hook needs. */
import type { KustoSetupSettings } from './steps/provision';
export interface ProvisionValues {
  kusto: KustoSetupSettings;
  /** Present when the azd environment holds a client secret to store (O365_CLIENT_SECRET). */
  secret?: { vaultUrl: string; name: string; value: string };
}

/** What the postdeploy hook needs. */
export interface DeployValues {
  subscriptionId: string;
  resourceGroup: string;
  functionAppName: string;
  /** https://<default host name>, no trailing slash. */
  appUrl: string;
  /** Azure Resource Manager root (sovereign clouds have their own). */
  armUrl: string;
  /** Print the dashboard URL with the function key in it (off by default: hook output often lands in CI logs). */
  printKey: boolean;
}

export class HookSettingsError extends Error {
  constructor(
    readonly hook: string,
    readonly problems: string[],
  ) {
    super(`${hook}: cannot run:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'HookSettingsError';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/;
const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;

function reader(env: NodeJS.ProcessEnv, problems: string[]) {
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const required = (name: string, what: string): string => {
    const v = get(name);
    if (v === undefined)
      problems.push(`${name} is missing: expected ${what} (a Bicep output, or azd env set ${name} <value>).`);
    return v ?? '';
  };
  const url = (name: string, value: string): string => {
    if (value === '') return '';
    try {
      const u = new URL(value);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      return value.replace(/\/+$/, '');
    } catch {
      problems.push(`${name} is not an http(s) URL: got "${value}".`);
      return '';
    }
  };
  const identifier = (name: string, fallback: string): string => {
    const v = get(name) ?? fallback;
    if (!IDENTIFIER.test(v))
      problems.push(`${name} must be a plain Kusto table name (letters, digits, _), got "${v}".`);
    return v;
  };
  const flag = (name: string): boolean => {
    const v = get(name)?.toLowerCase();
    if (v === undefined) return false;
    if (v === 'true' || v === '1') return true;
    if (v !== 'false' && v !== '0') problems.push(`${name} must be true or false, got "${v}".`);
    return false;
  };
  return { get, required, url, identifier, flag };
}

/** Reads the postprovision values; throws {@link HookSettingsError} listing every problem. */
export function readProvisionValues(env: NodeJS.ProcessEnv): ProvisionValues {
  const problems: string[] = [];
  const r = reader(env, problems);
  const clusterUrl = r.url('KUSTO_CLUSTER_URL', r.required('KUSTO_CLUSTER_URL', 'the Kusto cluster URI'));
  const database = r.required('KUSTO_DATABASE', 'the Kusto database name');
  const table = r.identifier('KUSTO_TABLE', 'O365SecurityAlerts');
  const telemetryTable = r.identifier('KUSTO_TELEMETRY_TABLE', 'O365PipelineRuns');
  if (table === telemetryTable && table !== '')
    problems.push(`KUSTO_TELEMETRY_TABLE must differ from KUSTO_TABLE (both are "${table}").`);
  const mode =
    r.get('KUSTO_INGESTION_MODE') ??
    (r.get('KUSTO_STREAMING_INGESTION')?.toLowerCase() === 'true' ? 'streaming' : 'queued');
  if (mode !== 'queued' && mode !== 'streaming')
    problems.push(`KUSTO_INGESTION_MODE must be "queued" or "streaming", got "${mode}".`);
  const batching = r.get('KUSTO_BATCHING_SECONDS');
  const batchingSeconds = batching === undefined ? undefined : Number(batching);
  if (
    batchingSeconds !== undefined &&
    (!Number.isInteger(batchingSeconds) || batchingSeconds < 10 || batchingSeconds > 300)
  )
    problems.push(
      `KUSTO_BATCHING_SECONDS must be a whole number of seconds from 10 to 300, got "${batching}".`,
    );

  let secret: ProvisionValues['secret'];
  const value = env.O365_CLIENT_SECRET;
  if (value !== undefined && value.trim() !== '') {
    const vaultUrl = r.url(
      'KEY_VAULT_URL',
      r.get('KEY_VAULT_URL') ??
        (r.get('KEY_VAULT_NAME') ? `https://${r.get('KEY_VAULT_NAME')}.vault.azure.net` : ''),
    );
    if (!vaultUrl)
      problems.push(
        'O365_CLIENT_SECRET is set but there is no Key Vault to put it in: KEY_VAULT_URL and KEY_VAULT_NAME are empty (O365_AUTH_MODE must be clientSecret).',
      );
    const name = r.get('O365_CLIENT_SECRET_NAME') ?? 'o365-client-secret';
    if (!SECRET_NAME.test(name))
      problems.push(`O365_CLIENT_SECRET_NAME must be 1-127 letters, digits or hyphens, got "${name}".`);
    secret = { vaultUrl, name, value };
  }
  if (problems.length) throw new HookSettingsError('postprovision', problems);
  return {
    kusto: {
      clusterUrl,
      ingestUrl: ingestUrlOf(clusterUrl),
      database,
      table,
      telemetryTable,
      ingestionMode: mode as 'queued' | 'streaming',
      ...(batchingSeconds !== undefined ? { batchingSeconds } : {}),
    },
    ...(secret ? { secret } : {}),
  };
}

/** The ingestion endpoint of a cluster (`ingest-` prefix); a local endpoint serves both on one URL. */
function ingestUrlOf(clusterUrl: string): string {
  const u = new URL(clusterUrl);
  if (u.protocol === 'http:' || u.hostname === 'localhost' || /^[\d.]+$/.test(u.hostname)) return clusterUrl;
  return `${u.protocol}//ingest-${u.host}`;
}

/** Reads the postdeploy values; throws {@link HookSettingsError} listing every problem. */
export function readDeployValues(env: NodeJS.ProcessEnv): DeployValues {
  const problems: string[] = [];
  const r = reader(env, problems);
  const subscriptionId = r.required('AZURE_SUBSCRIPTION_ID', 'the subscription azd deployed to');
  const resourceGroup = r.required('AZURE_RESOURCE_GROUP', 'the resource group azd deployed to');
  const functionAppName = r.required('AZURE_FUNCTION_APP_NAME', 'the function app name');
  const appUrl = r.url(
    'FUNCTION_APP_URL',
    r.required('FUNCTION_APP_URL', 'the function app URL (https://<host>)'),
  );
  const armUrl = r.url(
    'AZURE_RESOURCE_MANAGER_URL',
    r.get('AZURE_RESOURCE_MANAGER_URL') ?? 'https://management.azure.com',
  );
  const printKey = r.flag('DASHBOARD_URL_WITH_KEY');
  if (problems.length) throw new HookSettingsError('postdeploy', problems);
  return { subscriptionId, resourceGroup, functionAppName, appUrl, armUrl, printKey };
}
