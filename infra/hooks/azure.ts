/**
 * The real Azure calls behind the hooks: the deploying identity's credential, Key Vault secrets, the function key
 * from ARM, and the start request. Each takes what it talks to (a credential, a fetch function, a URL) so tests can
 * point it at a loopback stand-in.
 */
import {
  AzureCliCredential,
  AzureDeveloperCliCredential,
  ChainedTokenCredential,
  type TokenCredential,
} from '@azure/identity';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import type { DeployValues } from './azd-env';
import type { StartAnswer } from './steps/deploy';
import type { SecretStore } from './steps/provision';

/** Who runs `azd up`: azd's own login first, then the Azure CLI's. */
export function deployingIdentity(): TokenCredential {
  return new ChainedTokenCredential(new AzureDeveloperCliCredential(), new AzureCliCredential());
}

/** Key Vault through @azure/keyvault-secrets (`options` lets tests reach a loopback vault). */
export function keyVaultSecrets(credential: TokenCredential, options?: SecretClientOptions): SecretStore {
  const clients = new Map<string, SecretClient>();
  const client = (vaultUrl: string): SecretClient => {
    let c = clients.get(vaultUrl);
    if (!c) clients.set(vaultUrl, (c = new SecretClient(vaultUrl, credential, options)));
    return c;
  };
  return {
    async get(vaultUrl, name) {
      try {
        return (await client(vaultUrl).getSecret(name)).value;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return undefined;
        throw e;
      }
    },
    async set(vaultUrl, name, value) {
      await client(vaultUrl).setSecret(name, value, {
        contentType: 'Office 365 Management API client secret',
      });
    },
  };
}

const WEB_API_VERSION = '2024-04-01';

/** The app's `default` function key, read with ARM's host/default/listKeys. */
export function armFunctionKey(
  credential: TokenCredential,
  fetchImpl: typeof fetch = fetch,
): (values: DeployValues) => Promise<string> {
  return async (values) => {
    const token = await credential.getToken(`${values.armUrl}/.default`);
    if (!token) throw new Error(`no token for ${values.armUrl}`);
    const url =
      `${values.armUrl}/subscriptions/${encodeURIComponent(values.subscriptionId)}` +
      `/resourceGroups/${encodeURIComponent(values.resourceGroup)}` +
      `/providers/Microsoft.Web/sites/${encodeURIComponent(values.functionAppName)}` +
      `/host/default/listKeys?api-version=${WEB_API_VERSION}`;
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.token}`, 'content-length': '0' },
    });
    const body = (await response.json().catch(() => ({}))) as {
      functionKeys?: Record<string, string>;
      error?: { code?: string; message?: string };
    };
    if (!response.ok)
      throw Object.assign(
        new Error(
          `ARM answered HTTP ${response.status}${body.error ? ` ${body.error.code ?? ''}: ${body.error.message ?? ''}` : ''}`,
        ),
        { status: response.status },
      );
    const key = body.functionKeys?.default;
    if (!key) throw new Error('the app has no function key named "default"');
    return key;
  };
}

/** POST /api/pipeline/start with the key in the x-functions-key header (not in the URL, so no log records it). */
export function httpStart(
  fetchImpl: typeof fetch = fetch,
): (appUrl: string, key: string) => Promise<StartAnswer> {
  return async (appUrl, key) => {
    const response = await fetchImpl(`${appUrl}/api/pipeline/start`, {
      method: 'POST',
      headers: { 'x-functions-key': key, 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(60_000),
    });
    const raw = await response.text();
    let message = raw.slice(0, 300);
    try {
      const body = JSON.parse(raw) as { message?: unknown; error?: unknown };
      const m = body.message ?? body.error;
      message = typeof m === 'string' ? m : typeof m === 'object' && m ? JSON.stringify(m).slice(0, 300) : '';
    } catch {
      // Not JSON (a gateway page): the first characters say enough.
    }
    return { status: response.status, message };
  };
}
