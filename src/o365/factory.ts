/**
 * The client as the activities need it: built from a tenant's settings, once per tenant per process. Activities run
 * many times per process; sharing one client per tenant shares its token cache (one token request, not one per blob),
 * its counters and its request budget. Tenants never share any of these: one tenant's throttling, pauses or failing
 * credential cannot slow another.
 */
import { createHash } from 'node:crypto';
import type { O365Settings } from '../config';
import { ManagementApiClient, type ManagementApiClientOptions } from './client';
import { tokenScope } from './clouds';
import { createO365Credential, type O365CredentialOptions } from './credential';

export type ClientOverrides = Partial<
  Pick<
    ManagementApiClientOptions,
    'credential' | 'now' | 'retry' | 'retentionMarginMinutes' | 'random' | 'dispatcher'
  >
> &
  O365CredentialOptions;

/** A new client for one tenant (API root, token scope `<root>/.default`, budget and content cap from its settings). */
export async function createManagementApiClient(
  tenant: O365Settings,
  overrides: ClientOverrides = {},
): Promise<ManagementApiClient> {
  const { credential, keyVaultCredential, readSecret, federatedIdentity, agent, ...rest } = overrides;
  return new ManagementApiClient({
    tenantId: tenant.tenantId,
    apiUrl: tenant.apiUrl,
    scope: tokenScope(tenant.apiUrl),
    publisherId: tenant.publisherId,
    requestsPerMinute: tenant.requestsPerMinute,
    maxContentBytes: tenant.maxContentBytes,
    credential:
      credential ??
      (await createO365Credential(tenant, { keyVaultCredential, readSecret, federatedIdentity, agent })),
    ...rest,
  });
}

const perProcess = new Map<string, Promise<ManagementApiClient>>();

/**
 * One client per tenant and settings for the life of the process (a failed creation is not kept, so a credential
 * that failed at start-up is built again on the next call). Settings that change the client — API root, authority,
 * credential, publisher, budget, content cap — give a different client.
 */
export function sharedManagementApiClient(tenant: O365Settings): Promise<ManagementApiClient> {
  const key = clientKey(tenant);
  let client = perProcess.get(key);
  if (!client) {
    client = createManagementApiClient(tenant);
    perProcess.set(key, client);
    client.catch(() => perProcess.delete(key));
  }
  return client;
}

/** The clients of several tenants, in the given order. */
export function sharedManagementApiClients(tenants: O365Settings[]): Promise<ManagementApiClient[]> {
  return Promise.all(tenants.map((t) => sharedManagementApiClient(t)));
}

/** A map key for a tenant's settings; hashed, so a client secret in the settings is never kept in clear as a key. */
function clientKey(tenant: O365Settings): string {
  const identity = JSON.stringify([
    tenant.tenantId.toLowerCase(),
    tenant.apiUrl,
    tenant.loginUrl,
    tenant.publisherId,
    tenant.requestsPerMinute,
    tenant.maxContentBytes ?? null,
    tenant.auth,
  ]);
  return `${tenant.tenantId.toLowerCase()} ${createHash('sha256').update(identity).digest('hex')}`;
}
