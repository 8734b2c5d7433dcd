import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type TenantConfig } from '../../src/config';
import { createCertificate, SOVEREIGN_CLOUD_HOSTS } from '../../local/tls';
import { CLOUDS, cloudEndpoints, createManagementApiClient, type Cloud } from '../../src/o365';
import { CountingCredential, TENANT } from './fake-api';
import {
  LoopbackHttpsAgent,
  loopbackDispatcher,
  startRecordingServer,
  type RecordingServer,
  type SeenRequest,
} from './loopback-hosts';

const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const FEED = `/api/v1.0/${TENANT}/activity/feed`;

const settings = {
  O365_TENANT_ID: TENANT,
  O365_CLIENT_ID: CLIENT_ID,
  O365_CLIENT_SECRET: 'demo-secret',
  KUSTO_CLUSTER_URL: 'https://mycluster.westeurope.kusto.windows.net',
  KUSTO_DATABASE: 'Security',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

const EXPECTED: Record<Cloud, { login: string; api: string }> = {
  Commercial: { login: 'login.microsoftonline.com', api: 'manage.office.com' },
  GCC: { login: 'login.microsoftonline.com', api: 'manage-gcc.office.com' },
  GCCHigh: { login: 'login.microsoftonline.us', api: 'manage.office365.us' },
  DoD: { login: 'login.microsoftonline.us', api: 'manage.protection.apps.mil' },
};

/** An Entra authority and a Management API, whichever host a request names. */
function answer(req: SeenRequest) {
  const base = `https://${req.host}`;
  if (req.path === '/common/discovery/instance') {
    const authority = new URL(req.query.get('authorization_endpoint') ?? base).host;
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: `https://${authority}/${TENANT}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: authority, preferred_cache: authority, aliases: [authority] }],
      },
    };
  }
  if (req.path === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/${TENANT}/oauth2/v2.0/token`,
        issuer: `${base}/${TENANT}/v2.0`,
        authorization_endpoint: `${base}/${TENANT}/oauth2/v2.0/authorize`,
        jwks_uri: `${base}/${TENANT}/discovery/v2.0/keys`,
      },
    };
  }
  if (req.path === `/${TENANT}/oauth2/v2.0/token`) {
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3599, access_token: `token-for-${req.form?.get('scope')}` },
    };
  }
  if (req.path === `${FEED}/subscriptions/list`) {
    return { status: 200, body: [{ contentType: 'Audit.General', status: 'enabled', webhook: null }] };
  }
  if (req.path.startsWith(`${FEED}/audit/`)) return { status: 200, body: [] };
  return { status: 404, body: { error: { code: 'NotHere', message: `${req.method} ${req.path}` } } };
}

describe('O365_CLOUD: token requests and API calls go to the cloud’s hosts', () => {
  const certificate = createCertificate(SOVEREIGN_CLOUD_HOSTS);
  let server: RecordingServer;
  let dispatcher: ReturnType<typeof loopbackDispatcher>;
  let agent: LoopbackHttpsAgent;

  before(async () => {
    server = await startRecordingServer(certificate, answer);
    dispatcher = loopbackDispatcher(server.port, certificate.cert);
    agent = new LoopbackHttpsAgent(server.port, certificate.cert);
  });
  after(async () => {
    agent.destroy();
    await dispatcher.close();
    await server.close();
  });

  for (const cloud of CLOUDS) {
    it(`${cloud}: the token comes from ${EXPECTED[cloud].login} for the API root's .default scope, and every API call goes to ${EXPECTED[cloud].api}`, async () => {
      const tenant = loadConfig({ ...settings, O365_CLOUD: cloud }).tenants[0]!;
      assert.equal(tenant.cloud, cloud);
      const root = `https://${EXPECTED[cloud].api}`;
      assert.equal(tenant.apiUrl, root);
      assert.equal(tenant.loginUrl, `https://${EXPECTED[cloud].login}`);

      server.seen.length = 0;
      const client = await createManagementApiClient(tenant, { dispatcher, agent });
      await client.listSubscriptions();
      await client.fetchContentText(`${tenant.apiUrl}${FEED}/audit/blob-1`);

      const tokenRequests = server.seen.filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
      assert.equal(tokenRequests.length, 1, JSON.stringify(server.seen.map((r) => `${r.host}${r.path}`)));
      assert.equal(tokenRequests[0]!.host, EXPECTED[cloud].login);
      assert.equal(tokenRequests[0]!.form?.get('scope'), `${root}/.default`);
      assert.equal(tokenRequests[0]!.form?.get('client_id'), CLIENT_ID);

      const apiCalls = server.seen.filter((r) => r.path.startsWith('/api/'));
      assert.deepEqual(
        apiCalls.map((r) => `${r.host} ${r.path}`),
        [`${EXPECTED[cloud].api} ${FEED}/subscriptions/list`, `${EXPECTED[cloud].api} ${FEED}/audit/blob-1`],
      );
      for (const call of apiCalls) assert.equal(call.authorization, `Bearer token-for-${root}/.default`);
      // Entra traffic (discovery, metadata, token) stays on Entra hosts: no other cloud's API host is asked anything.
      const otherApiHosts = CLOUDS.filter((c) => EXPECTED[c].api !== EXPECTED[cloud].api).map(
        (c) => EXPECTED[c].api,
      );
      assert.ok(server.seen.every((r) => !otherApiHosts.includes(r.host)));
    });
  }

  it('a managed identity with a federated credential signs in as the multi-tenant app with the cloud’s token-exchange audience', async () => {
    const tenant: TenantConfig = loadConfig({
      ...settings,
      O365_CLIENT_SECRET: '',
      O365_CLOUD: 'GCCHigh',
      O365_AUTH_MODE: 'federatedManagedIdentity',
    }).tenants[0]!;
    assert.deepEqual(tenant.auth, {
      kind: 'federatedManagedIdentity',
      clientId: CLIENT_ID,
      managedIdentityClientId: undefined,
      audience: cloudEndpoints('GCCHigh').federatedTokenAudience,
    });
    const identity = new CountingCredential();
    server.seen.length = 0;
    const client = await createManagementApiClient(tenant, {
      dispatcher,
      agent,
      federatedIdentity: identity,
    });
    await client.listSubscriptions();
    assert.ok(identity.scopes.length >= 1);
    assert.deepEqual(new Set(identity.scopes), new Set(['api://AzureADTokenExchangeUSGov/.default']));
    const token = server.seen.find((r) => r.path.endsWith('/oauth2/v2.0/token'))!;
    assert.equal(token.host, 'login.microsoftonline.us');
    assert.equal(token.form?.get('client_id'), CLIENT_ID);
    assert.match(token.form?.get('client_assertion') ?? '', /^token-\d+$/);
    assert.equal(
      token.form?.get('client_assertion_type'),
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    assert.equal(token.form?.get('scope'), 'https://manage.office365.us/.default');
  });
});
