/**
 * The client as the activities need it: built from settings, once per process. Activities run many times per
 * process; sharing one client shares its token cache (one token request, not one per blob) as well as the budget.
 */
import type { Config } from '../config';
import { ManagementApiClient, type ManagementApiClientOptions } from './client';
import { createO365Credential, type O365CredentialOptions } from './credential';

export type ClientOverrides = Partial<
  Pick<ManagementApiClientOptions, 'credential' | 'now' | 'retry' | 'retentionMarginMinutes' | 'random'>
> &
  O365CredentialOptions;

export async function createManagementApiClient(
  config: Config['o365'],
  overrides: ClientOverrides = {},
): Promise<ManagementApiClient> {
  const { credential, keyVaultCredential, readSecret, ...rest } = overrides;
  return new ManagementApiClient({
    tenantId: config.tenantId,
    apiUrl: config.apiUrl,
    publisherId: config.publisherId,
    requestsPerMinute: config.requestsPerMinute,
    credential: credential ?? (await createO365Credential(config, { keyVaultCredential, readSecret })),
    ...rest,
  });
}

const perProcess = new Map<string, Promise<ManagementApiClient>>();

/** One client per tenant, API root and auth kind for the life of the process (a failed creation is not kept). */
export function sharedManagementApiClient(config: Config['o365']): Promise<ManagementApiClient> {
  const key = `${config.tenantId} ${config.apiUrl} ${config.auth.kind} ${'clientId' in config.auth ? config.auth.clientId : ''}`;
  let client = perProcess.get(key);
  if (!client) {
    client = createManagementApiClient(config);
    perProcess.set(key, client);
    client.catch(() => perProcess.delete(key));
  }
  return client;
}
