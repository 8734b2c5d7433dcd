/**
 * The token credential for the API, from a tenant's settings: a client secret (possibly kept in Key Vault), a client
 * certificate, a managed identity, or a managed identity signing in as a multi-tenant app through a federated
 * credential — the real @azure/identity classes in every case, so what is tested against local servers is what runs
 * in Azure.
 *
 * The authority host is the tenant's login URL (its cloud's, or O365_LOGIN_URL). For hosts that are not Microsoft's
 * (the local simulator), instance discovery is switched off: it would ask login.microsoftonline.com about a host it
 * has never heard of.
 */
import type { Agent } from 'node:https';
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type ClientSecretCredentialOptions,
  type TokenCredential,
} from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { O365Settings } from '../config';

type PipelinePolicy = NonNullable<ClientSecretCredentialOptions['additionalPolicies']>[number]['policy'];

export interface O365CredentialOptions {
  /** Credential for Key Vault when the client secret lives there; default DefaultAzureCredential (managed identity in Azure). */
  keyVaultCredential?: TokenCredential;
  /** Reads a secret; default @azure/keyvault-secrets. Tests replace it. */
  readSecret?: (vaultUrl: string, name: string, credential: TokenCredential) => Promise<string | undefined>;
  /**
   * The managed identity whose token is the client assertion of a federatedManagedIdentity credential; default a
   * ManagedIdentityCredential. Tests replace it.
   */
  federatedIdentity?: TokenCredential;
  /**
   * Test seam: the HTTPS agent the token requests go through (e.g. one that connects every host name to a loopback
   * server). Unset in production: the default agent and system DNS.
   */
  agent?: Agent;
}

/** Entra sovereign-cloud authority hosts: instance discovery works for these. */
const MICROSOFT_AUTHORITY_SUFFIXES = [
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.microsoftonline.de',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.windows.net',
];

export function isMicrosoftAuthorityHost(loginUrl: string): boolean {
  const host = new URL(loginUrl).hostname.toLowerCase();
  return MICROSOFT_AUTHORITY_SUFFIXES.some((s) => host === s);
}

export async function createO365Credential(
  config: Pick<O365Settings, 'tenantId' | 'loginUrl' | 'auth'>,
  options: O365CredentialOptions = {},
): Promise<TokenCredential> {
  const authorityHost = config.loginUrl.replace(/\/+$/, '');
  const agent = options.agent;
  const common = {
    authorityHost,
    disableInstanceDiscovery: !isMicrosoftAuthorityHost(authorityHost),
    ...(agent
      ? {
          additionalPolicies: [
            {
              position: 'perCall' as const,
              policy: {
                name: 'o365ConnectionSeam',
                sendRequest: (request, next) => {
                  request.agent = agent;
                  return next(request);
                },
              } satisfies PipelinePolicy,
            },
          ],
        }
      : {}),
  };
  const auth = config.auth;
  switch (auth.kind) {
    case 'clientSecret':
      return new ClientSecretCredential(config.tenantId, auth.clientId, auth.clientSecret, common);
    case 'keyVaultSecret': {
      const kvCredential = options.keyVaultCredential ?? new DefaultAzureCredential();
      const read = options.readSecret ?? readKeyVaultSecret;
      const secret = await read(auth.keyVaultUrl, auth.secretName, kvCredential);
      if (secret === undefined || secret === '') {
        throw new Error(
          `O365_CLIENT_SECRET_NAME: the secret "${auth.secretName}" in ${auth.keyVaultUrl} is missing or empty.`,
        );
      }
      return new ClientSecretCredential(config.tenantId, auth.clientId, secret, common);
    }
    case 'clientCertificate':
      return new ClientCertificateCredential(
        config.tenantId,
        auth.clientId,
        { certificatePath: auth.certificatePath },
        common,
      );
    case 'managedIdentity':
      return auth.clientId
        ? new ManagedIdentityCredential({ clientId: auth.clientId })
        : new ManagedIdentityCredential();
    case 'federatedManagedIdentity': {
      const identity =
        options.federatedIdentity ??
        (auth.managedIdentityClientId
          ? new ManagedIdentityCredential({ clientId: auth.managedIdentityClientId })
          : new ManagedIdentityCredential());
      const scope = `${auth.audience.replace(/\/+$/, '')}/.default`;
      return new ClientAssertionCredential(
        config.tenantId,
        auth.clientId,
        async () => {
          const token = await identity.getToken(scope);
          if (!token) {
            throw new Error(
              `the managed identity returned no token for ${scope}, the federated credential's audience.`,
            );
          }
          return token.token;
        },
        common,
      );
    }
  }
}

async function readKeyVaultSecret(
  vaultUrl: string,
  name: string,
  credential: TokenCredential,
): Promise<string | undefined> {
  const secret = await new SecretClient(vaultUrl, credential).getSecret(name);
  return secret.value;
}
