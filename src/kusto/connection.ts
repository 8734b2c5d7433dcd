/**
 * Connection strings and credentials for the Kusto SDKs. Azure clusters get a bearer token from @azure/identity:
 * a user-assigned managed identity when KUSTO_MANAGED_IDENTITY_CLIENT_ID is set, otherwise DefaultAzureCredential
 * (environment app secret or certificate, workload identity, system-assigned managed identity, Azure CLI login).
 * The local Kusto endpoint (http:// or a loopback host) takes no token, so none is requested.
 */
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { KustoConnectionStringBuilder, kustoTrustedEndpoints, MatchRule } from 'azure-kusto-data';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The local stand-in: plain HTTP, or a loopback host (never a real cluster). */
export function isLocalEndpoint(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' || LOOPBACK_HOSTS.has(u.hostname);
}

/** The credential for a cluster, or undefined when the endpoint is local and takes no token. */
export function credentialFor(
  clusterUrl: string,
  managedIdentityClientId: string | undefined,
  explicit?: TokenCredential,
): TokenCredential | undefined {
  if (explicit) return explicit;
  if (isLocalEndpoint(clusterUrl)) return undefined;
  if (managedIdentityClientId) return new ManagedIdentityCredential({ clientId: managedIdentityClientId });
  return new DefaultAzureCredential();
}

/**
 * A connection string for one endpoint (engine or ingestion). Non-loopback http hosts (a local endpoint reached by
 * name, e.g. from a container) are added to the SDK's trusted hosts, which otherwise only admits known Kusto domains.
 */
export function connectionFor(
  url: string,
  database: string,
  credential: TokenCredential | undefined,
): KustoConnectionStringBuilder {
  const u = new URL(url);
  if (u.protocol === 'http:' && !LOOPBACK_HOSTS.has(u.hostname)) {
    kustoTrustedEndpoints.addTrustedHosts([new MatchRule(u.hostname, true)], false);
  }
  const dataSource = url.replace(/\/+$/, '');
  const kcsb = credential
    ? KustoConnectionStringBuilder.withTokenCredential(dataSource, credential)
    : new KustoConnectionStringBuilder(dataSource);
  kcsb.initialCatalog = database;
  return kcsb;
}
