import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config';
import { problemsOf, VALID_SETTINGS as base } from '../../harness/config';

test('defaults and derived values', () => {
  const c = loadConfig(base);
  assert.equal(c.o365.apiUrl, 'https://manage.office.com');
  assert.equal(c.o365.loginUrl, 'https://login.microsoftonline.com');
  assert.deepEqual(c.o365.contentTypes, ['Audit.General']);
  assert.equal(c.o365.publisherId, base.O365_TENANT_ID);
  assert.equal(c.kusto.ingestUrl, 'https://ingest-mycluster.westeurope.kusto.windows.net');
  assert.equal(c.o365.auth.kind, 'clientSecret');
  assert.equal(c.pipeline.windowMinutes, 60);
});

test('managed identity when no secret or certificate is set', () => {
  const { O365_CLIENT_SECRET: _s, O365_CLIENT_ID: _c, ...rest } = base;
  assert.equal(loadConfig(rest).o365.auth.kind, 'managedIdentity');
});

test('every problem is reported with its setting name, and secrets are not echoed', () => {
  const bad = {
    ...base,
    O365_TENANT_ID: 'contoso',
    O365_CONTENT_TYPES: 'Audit.Nope',
    PIPELINE_WINDOW_MINUTES: '2000',
    KUSTO_DATABASE: '',
    O365_CLIENT_SECRET: 'hunter2-secret-value',
  };
  assert.throws(
    () => loadConfig(bad),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      for (const name of [
        'O365_TENANT_ID',
        'PIPELINE_WINDOW_MINUTES',
        'KUSTO_DATABASE',
        'O365_CONTENT_TYPES',
      ]) {
        assert.match(e.message, new RegExp(name));
      }
      assert.doesNotMatch(e.message, /hunter2/);
      assert.equal(e.problems.length, 4);
      return true;
    },
  );
});

const T1 = '11111111-2222-3333-4444-555555555555';
const T2 = '22222222-2222-3333-4444-555555555555';
const T3 = '33333333-2222-3333-4444-555555555555';

test('a single tenant resolves to one Commercial tenant that equals config.o365', () => {
  const c = loadConfig(base);
  assert.equal(c.tenants.length, 1);
  const t = c.tenants[0]!;
  assert.equal(c.o365, t);
  assert.deepEqual(
    { ...t, auth: t.auth.kind },
    {
      tenantId: T1,
      name: T1,
      cloud: 'Commercial',
      loginUrl: 'https://login.microsoftonline.com',
      apiUrl: 'https://manage.office.com',
      auth: 'clientSecret',
      contentTypes: ['Audit.General'],
      publisherId: T1,
      requestsPerMinute: 2000,
      enabled: true,
      maxContentBytes: 100 * 1024 * 1024,
    },
  );
});

test('O365_CLOUD sets authority and API root; spelling variants name the same cloud', () => {
  const at = (cloud: string) => {
    const t = loadConfig({ ...base, O365_CLOUD: cloud }).o365;
    return [t.cloud, t.loginUrl, t.apiUrl];
  };
  assert.deepEqual(at('GCC'), ['GCC', 'https://login.microsoftonline.com', 'https://manage-gcc.office.com']);
  assert.deepEqual(at('GCC High'), [
    'GCCHigh',
    'https://login.microsoftonline.us',
    'https://manage.office365.us',
  ]);
  assert.deepEqual(at('dod'), [
    'DoD',
    'https://login.microsoftonline.us',
    'https://manage.protection.apps.mil',
  ]);
  assert.deepEqual(at('Commercial'), [
    'Commercial',
    'https://login.microsoftonline.com',
    'https://manage.office.com',
  ]);
});

test('explicit URLs override the cloud; a URL that is another cloud’s root is refused naming both settings', () => {
  const local = loadConfig({
    ...base,
    O365_CLOUD: 'GCCHigh',
    O365_API_URL: 'https://127.0.0.1:8443/',
    O365_LOGIN_URL: 'https://127.0.0.1:8443',
  }).o365;
  assert.deepEqual(
    [local.cloud, local.apiUrl, local.loginUrl],
    ['GCCHigh', 'https://127.0.0.1:8443', 'https://127.0.0.1:8443'],
  );
  // Without O365_CLOUD, a known API root says which cloud (and so which authority) is meant.
  const inferred = loadConfig({ ...base, O365_API_URL: 'https://manage.office365.us' }).o365;
  assert.deepEqual([inferred.cloud, inferred.loginUrl], ['GCCHigh', 'https://login.microsoftonline.us']);

  const problems = problemsOf({
    ...base,
    O365_CLOUD: 'GCCHigh',
    O365_API_URL: 'https://manage.office.com',
    O365_LOGIN_URL: 'https://login.microsoftonline.com',
  });
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /O365_API_URL .*Commercial.*O365_CLOUD is GCCHigh/);
  assert.match(problems[1]!, /O365_LOGIN_URL .*O365_CLOUD is GCCHigh/);
});

test('plain http is refused for the API and the authority except on loopback', () => {
  assert.equal(
    loadConfig({ ...base, O365_API_URL: 'http://127.0.0.1:7071' }).o365.apiUrl,
    'http://127.0.0.1:7071',
  );
  const problems = problemsOf({ ...base, O365_API_URL: 'http://manage.example.com' });
  assert.deepEqual(problems.length, 1);
  assert.match(problems[0]!, /O365_API_URL must be an https URL/);
});

test('an unknown O365_CLOUD names the accepted values', () => {
  const problems = problemsOf({ ...base, O365_CLOUD: 'Mooncake' });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /O365_CLOUD must be one of Commercial, GCC, GCCHigh, DoD, got "Mooncake"/);
});

test('O365_TENANT_ID takes a comma-separated list; O365_TENANTS overrides each tenant and the rest keep the shared settings', () => {
  const c = loadConfig({
    ...base,
    O365_TENANT_ID: ` ${T1}, ${T2} ,${T3}`,
    O365_CONTENT_TYPES: 'Audit.General,Audit.Exchange',
    O365_PUBLISHER_ID: T1,
    KEY_VAULT_URL: 'https://kv.vault.azure.net',
    O365_TENANTS: JSON.stringify({
      [T2.toUpperCase()]: {
        name: 'Fabrikam (GCC High)',
        cloud: 'GCCHigh',
        contentTypes: ['Audit.General'],
        requestsPerMinute: 600,
        credential: { type: 'keyVaultSecret', secretName: 'fabrikam-o365' },
      },
      [T3]: {
        name: 'Paused',
        enabled: false,
        credential: { type: 'certificate', certificatePath: '/certs/o365.pem' },
      },
    }),
  });
  assert.deepEqual(
    c.tenants.map((t) => [
      t.tenantId,
      t.name,
      t.cloud,
      t.apiUrl,
      t.contentTypes,
      t.requestsPerMinute,
      t.enabled,
    ]),
    [
      [T1, T1, 'Commercial', 'https://manage.office.com', ['Audit.General', 'Audit.Exchange'], 2000, true],
      [T2, 'Fabrikam (GCC High)', 'GCCHigh', 'https://manage.office365.us', ['Audit.General'], 600, true],
      [
        T3,
        'Paused',
        'Commercial',
        'https://manage.office.com',
        ['Audit.General', 'Audit.Exchange'],
        2000,
        false,
      ],
    ],
  );
  assert.ok(c.tenants.every((t) => t.publisherId === T1));
  assert.equal(c.tenants[0]!.auth.kind, 'clientSecret');
  assert.deepEqual(c.tenants[1]!.auth, {
    kind: 'keyVaultSecret',
    clientId: base.O365_CLIENT_ID,
    keyVaultUrl: 'https://kv.vault.azure.net',
    secretName: 'fabrikam-o365',
  });
  assert.deepEqual(c.tenants[2]!.auth, {
    kind: 'clientCertificate',
    clientId: base.O365_CLIENT_ID,
    certificatePath: '/certs/o365.pem',
  });
  assert.equal(c.o365.tenantId, T1);
});

test('config.o365 is the first enabled tenant', () => {
  const c = loadConfig({
    ...base,
    O365_TENANT_ID: `${T1},${T2}`,
    O365_TENANTS: JSON.stringify({ [T1]: { enabled: false } }),
  });
  assert.equal(c.o365.tenantId, T2);
});

test('tenant list and O365_TENANTS errors name the setting and what to fix', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [
      { O365_TENANT_ID: `${T1},contoso` },
      /O365_TENANT_ID must be a GUID or a comma-separated list of GUIDs, got "contoso"/,
    ],
    [{ O365_TENANT_ID: `${T1},${T1.toUpperCase()}` }, /O365_TENANT_ID lists tenant .* more than once/],
    [
      { O365_TENANTS: '{"name": ' },
      /O365_TENANTS is not valid JSON.*: expected an object keyed by tenant id/,
    ],
    [{ O365_TENANTS: '[]' }, /O365_TENANTS must be a JSON object keyed by tenant id/],
    [
      { O365_TENANTS: JSON.stringify({ [T2]: { name: 'x' } }) },
      new RegExp(`O365_TENANTS has an entry for tenant ${T2}, which O365_TENANT_ID does not list`),
    ],
    [
      { O365_TENANTS: JSON.stringify({ contoso: {} }) },
      /O365_TENANTS has key "contoso", which is not a tenant id/,
    ],
    [
      { O365_TENANTS: JSON.stringify({ [T1]: { cloud: 'Azure China' } }) },
      new RegExp(`O365_TENANTS\\["${T1}"\\].cloud must be one of Commercial, GCC, GCCHigh, DoD`),
    ],
    [
      { O365_TENANTS: JSON.stringify({ [T1]: { contentType: 'Audit.General' } }) },
      /unknown field "contentType": expected name, cloud/,
    ],
    [
      { O365_TENANTS: JSON.stringify({ [T1]: { contentTypes: ['Audit.Nope'] } }) },
      /\.contentTypes has unknown content type "Audit.Nope"/,
    ],
    [
      { O365_TENANTS: JSON.stringify({ [T1]: { requestsPerMinute: 0 } }) },
      /\.requestsPerMinute must be a whole number from 1 to 100000/,
    ],
    [{ O365_TENANTS: JSON.stringify({ [T1]: { enabled: 'yes' } }) }, /\.enabled must be true or false/],
    [{ O365_TENANTS: JSON.stringify({ [T1]: { publisherId: 'me' } }) }, /\.publisherId must be a GUID/],
    [
      { O365_TENANTS: JSON.stringify({ [T1]: { credential: { type: 'password' } } }) },
      /\.credential.type must be one of keyVaultSecret, certificate, managedIdentity, federatedManagedIdentity/,
    ],
    [
      { O365_TENANTS: JSON.stringify({ [T1]: { credential: { type: 'keyVaultSecret' } } }) },
      /\.credential.secretName is missing/,
    ],
    [{ O365_MAX_CONTENT_MB: '0' }, /O365_MAX_CONTENT_MB must be a whole number from 1 to 1024/],
    [
      { O365_AUTH_MODE: 'password' },
      /O365_AUTH_MODE must be one of clientSecret, keyVaultSecret, certificate, managedIdentity, federatedManagedIdentity/,
    ],
  ];
  for (const [env, expected] of cases) {
    const problems = problemsOf({ ...base, ...env });
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${JSON.stringify(env)} → ${JSON.stringify(problems)}`,
    );
  }
});

test('two tenants may not share a display name', () => {
  const problems = problemsOf({
    ...base,
    O365_TENANT_ID: `${T1},${T2}`,
    O365_TENANTS: JSON.stringify({ [T1]: { name: 'Contoso' }, [T2]: { name: 'contoso' } }),
  });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /"contoso" is already the name of another tenant/);
});

test('a client secret inside O365_TENANTS is refused and not echoed', () => {
  const problems = problemsOf({
    ...base,
    O365_TENANTS: JSON.stringify({
      [T1]: { credential: { type: 'keyVaultSecret', clientSecret: 'hunter2-secret' } },
    }),
  });
  assert.ok(
    problems.some((p) => /clientSecret: a secret does not belong in settings; keep it in Key Vault/.test(p)),
  );
  assert.ok(problems.every((p) => !p.includes('hunter2')));
});

test('several tenants with only the app’s managed identity is refused: it cannot sign in to other tenants', () => {
  const { O365_CLIENT_SECRET: _s, O365_CLIENT_ID: _c, ...mi } = base;
  const problems = problemsOf({ ...mi, O365_TENANT_ID: `${T1},${T2}` });
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /lists 2 tenants, but tenant .* would sign in with the app's managed identity/);
  // The identity's own tenant may say so explicitly; the other signs in as the multi-tenant app through federation.
  const c = loadConfig({
    ...mi,
    O365_TENANT_ID: `${T1},${T2}`,
    O365_MANAGED_IDENTITY_CLIENT_ID: T3,
    O365_TENANTS: JSON.stringify({
      [T1]: { credential: { type: 'managedIdentity' } },
      [T2]: { cloud: 'DoD', credential: { type: 'federatedManagedIdentity', clientId: base.O365_CLIENT_ID } },
    }),
  });
  assert.deepEqual(c.tenants[0]!.auth, { kind: 'managedIdentity', clientId: T3 });
  assert.deepEqual(c.tenants[1]!.auth, {
    kind: 'federatedManagedIdentity',
    clientId: base.O365_CLIENT_ID,
    managedIdentityClientId: T3,
    audience: 'api://AzureADTokenExchangeUSGov',
  });
});

test('O365_MAX_CONTENT_MB sets every tenant’s content cap', () => {
  const c = loadConfig({ ...base, O365_TENANT_ID: `${T1},${T2}`, O365_MAX_CONTENT_MB: '5' });
  assert.deepEqual(
    c.tenants.map((t) => t.maxContentBytes),
    [5 * 1024 * 1024, 5 * 1024 * 1024],
  );
});

test('O365_AUTH_MODE picks the credential explicitly and asks for what that mode needs', () => {
  const { O365_CLIENT_SECRET: _s, ...noSecret } = base;
  const federated = loadConfig({
    ...noSecret,
    O365_AUTH_MODE: 'federatedManagedIdentity',
    O365_FEDERATED_TOKEN_AUDIENCE: 'api://custom-exchange',
    O365_MANAGED_IDENTITY_CLIENT_ID: T3,
  }).o365.auth;
  assert.deepEqual(federated, {
    kind: 'federatedManagedIdentity',
    clientId: base.O365_CLIENT_ID,
    managedIdentityClientId: T3,
    audience: 'api://custom-exchange',
  });
  const { O365_CLIENT_ID: _c, ...noApp } = noSecret;
  assert.ok(
    problemsOf({ ...noApp, O365_AUTH_MODE: 'federatedManagedIdentity' }).some((p) =>
      /O365_CLIENT_ID is missing: the app registration id is needed/.test(p),
    ),
  );
  const kv = problemsOf({ ...noSecret, O365_AUTH_MODE: 'keyVaultSecret' });
  assert.ok(kv.some((p) => /O365_CLIENT_SECRET_NAME is missing/.test(p)));
  assert.ok(kv.some((p) => /KEY_VAULT_URL is missing/.test(p)));
});
