import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import type { Config } from '../../src/config';
import {
  createManagementApiClient,
  createO365Credential,
  isMicrosoftAuthorityHost,
  ManagementApiClient,
} from '../../src/o365';
import { ensureLocalCertificate } from '../../local/tls';
import { CountingCredential, withFakeApi, TENANT } from './fake-api';

const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

function o365(auth: Config['o365']['auth'], loginUrl = 'https://login.microsoftonline.com'): Config['o365'] {
  return {
    tenantId: TENANT,
    auth,
    loginUrl,
    apiUrl: 'https://manage.office.com',
    contentTypes: ['Audit.General'],
    publisherId: TENANT,
    requestsPerMinute: 2000,
  };
}

describe('createO365Credential', () => {
  it('knows Microsoft authority hosts from local ones', () => {
    assert.equal(isMicrosoftAuthorityHost('https://login.microsoftonline.com'), true);
    assert.equal(isMicrosoftAuthorityHost('https://login.microsoftonline.us/'), true);
    assert.equal(isMicrosoftAuthorityHost('https://127.0.0.1:8443'), false);
  });

  it('builds the credential class each auth mode names', async () => {
    assert.ok(
      (await createO365Credential(
        o365({ kind: 'clientSecret', clientId: CLIENT_ID, clientSecret: 's' }),
      )) instanceof ClientSecretCredential,
    );
    assert.ok(
      (await createO365Credential(
        o365({ kind: 'clientCertificate', clientId: CLIENT_ID, certificatePath: '/nonexistent.pem' }),
      )) instanceof ClientCertificateCredential,
    );
    assert.ok(
      (await createO365Credential(o365({ kind: 'managedIdentity' }))) instanceof ManagedIdentityCredential,
    );
    assert.ok(
      (await createO365Credential(o365({ kind: 'managedIdentity', clientId: CLIENT_ID }))) instanceof
        ManagedIdentityCredential,
    );
  });

  it('reads the client secret from Key Vault with the Key Vault credential', async () => {
    const kvCredential: TokenCredential = { getToken: async () => null };
    const asked: unknown[] = [];
    const cred = await createO365Credential(
      o365({
        kind: 'keyVaultSecret',
        clientId: CLIENT_ID,
        keyVaultUrl: 'https://kv.vault.azure.net',
        secretName: 'o365',
      }),
      {
        keyVaultCredential: kvCredential,
        readSecret: async (url, name, c) => {
          asked.push(url, name, c);
          return 'from-vault';
        },
      },
    );
    assert.ok(cred instanceof ClientSecretCredential);
    assert.deepEqual(asked, ['https://kv.vault.azure.net', 'o365', kvCredential]);
    await assert.rejects(
      createO365Credential(
        o365({
          kind: 'keyVaultSecret',
          clientId: CLIENT_ID,
          keyVaultUrl: 'https://kv.vault.azure.net',
          secretName: 'gone',
        }),
        { keyVaultCredential: kvCredential, readSecret: async () => undefined },
      ),
      /"gone" in https:\/\/kv.vault.azure.net is missing or empty/,
    );
  });

  it('createManagementApiClient takes API root, publisher id and budget from the settings', async () => {
    await withFakeApi(
      () => ({ body: [] }),
      async (api) => {
        const publisherId = '12345678-0000-0000-0000-000000000000';
        const credential = new CountingCredential();
        const client = await createManagementApiClient(
          { ...o365({ kind: 'managedIdentity' }), apiUrl: api.url, publisherId, requestsPerMinute: 77 },
          { credential },
        );
        await client.listSubscriptions();
        assert.equal(api.requests[0]!.query.get('PublisherIdentifier'), publisherId);
        assert.equal(client.stats().budget.requestsPerMinute, 77);
        assert.equal(credential.calls, 1);
      },
    );
  });

  it(
    'a real ClientSecretCredential gets a token from a local HTTPS authority and the client uses it',
    {
      skip: process.env.NODE_EXTRA_CA_CERTS
        ? false
        : 'run through npm test (NODE_EXTRA_CA_CERTS trusts the local CA)',
    },
    async () => {
      const cert = ensureLocalCertificate();
      const seen: string[] = [];
      const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
        const url = new URL(req.url ?? '/', 'https://x');
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          seen.push(`${req.method} ${url.pathname}`);
          const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
          const json = (status: number, value: unknown) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(value));
          };
          if (url.pathname === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
            return json(200, {
              token_endpoint: `${base}/${TENANT}/oauth2/v2.0/token`,
              issuer: `${base}/${TENANT}/v2.0`,
              authorization_endpoint: `${base}/${TENANT}/oauth2/v2.0/authorize`,
              jwks_uri: `${base}/${TENANT}/discovery/v2.0/keys`,
            });
          }
          if (url.pathname === `/${TENANT}/oauth2/v2.0/token`) {
            const form = new URLSearchParams(body);
            if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== 'demo-secret') {
              return json(401, {
                error: 'invalid_client',
                error_description: 'AADSTS7000215: Invalid client secret.',
              });
            }
            seen.push(`scope=${form.get('scope')}`);
            return json(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'local-access-token' });
          }
          if (url.pathname.endsWith('/subscriptions/list')) {
            if (req.headers.authorization !== 'Bearer local-access-token') return json(401, {});
            return json(200, [{ contentType: 'Audit.General', status: 'enabled', webhook: null }]);
          }
          json(404, {});
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const config = {
          ...o365({ kind: 'clientSecret', clientId: CLIENT_ID, clientSecret: 'demo-secret' }, base),
          apiUrl: base,
        };
        const credential = await createO365Credential(config);
        const client = new ManagementApiClient({ tenantId: TENANT, apiUrl: base, credential });
        assert.deepEqual(await client.listSubscriptions(), [
          { contentType: 'Audit.General', status: 'enabled', webhook: null },
        ]);
        assert.ok(seen.includes(`scope=${base}/.default`), seen.join(', '));

        const wrong = await createO365Credential({
          ...config,
          auth: { kind: 'clientSecret', clientId: CLIENT_ID, clientSecret: 'wrong' },
        });
        await assert.rejects(wrong.getToken(`${base}/.default`), /invalid_client|Invalid client secret/);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );
});
