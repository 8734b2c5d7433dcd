/**
 * The token credential for the API, from settings (Config['o365'].auth): a client secret (possibly kept in Key Vault),
 * a client certificate, or a managed identity — the real @azure/identity classes in every case, so what is tested
 * against the local simulator is what runs in Azure.
 *
 * The authority host is O365_LOGIN_URL. For hosts that are not Microsoft's (the local simulator), instance discovery
 * is switched off: it would ask login.microsoftonline.com about a host it has never heard of.
 */
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { Config } from '../config';

export interface O365CredentialOptions {
  /** Credential for Key Vault when the client secret lives there; default DefaultAzureCredential (managed identity in Azure). */
  keyVaultCredential?: TokenCredential;
  /** Reads a secret; default @azure/keyvault-secrets. Tests replace it. */
  readSecret?: (vaultUrl: string, name: string, credential: TokenCredential) => Promise<string | undefined>;
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
  config: Config['o365'],
  options: O365CredentialOptions = {},
): Promise<TokenCredential> {
  const authorityHost = config.loginUrl.replace(/\/+$/, '');
  const common = { authorityHost, disableInstanceDiscovery: !isMicrosoftAuthorityHost(authorityHost) };
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
