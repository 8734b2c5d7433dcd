import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allResources, deploy, loadCompiledTemplate } from './arm';
import { codeSettingNames, exploreSettingNames, namesReadBy } from './code-settings';
import { compareSettings, READ_NOT_WRITTEN, WRITTEN_NOT_READ } from './settings-contract';

const template = loadCompiledTemplate();

/** The app settings the compiled template writes with these parameters. */
function appSettings(params: Record<string, unknown>): Record<string, unknown> {
  const configs = allResources(deploy(template, { environmentName: 'test', ...params })).filter(
    (r) => r.type === 'Microsoft.Web/sites/config' && r.name.endsWith('/appsettings'),
  );
  assert.equal(configs.length, 1, 'one appsettings resource');
  return configs[0].properties;
}

/** Every choice that changes which settings are written. */
const CONFIGURATIONS: Record<string, unknown>[] = [];
for (const hostingPlan of ['FlexConsumption', 'ElasticPremium'])
  for (const identityType of ['UserAssigned', 'SystemAssigned'])
    for (const o365AuthMode of ['clientSecret', 'managedIdentity'])
      for (const useDurableTaskScheduler of [false, true])
        CONFIGURATIONS.push({
          hostingPlan,
          identityType,
          o365AuthMode,
          useDurableTaskScheduler,
          pipelineStartFrom: '2026-01-01T00:00:00Z',
          alertRules: '[]',
        });

describe('app settings: the templates write what the code reads', () => {
  const read = codeSettingNames();
  const written = new Set(CONFIGURATIONS.flatMap((c) => Object.keys(appSettings(c))));

  it('finds the core settings among those the code reads (the explorer works)', () => {
    for (const name of [
      'O365_TENANT_ID',
      'O365_CLIENT_ID',
      'O365_CLIENT_SECRET',
      'KUSTO_CLUSTER_URL',
      'KUSTO_INGEST_URL',
      'KUSTO_DATABASE',
      'KUSTO_TABLE',
      'KEY_VAULT_URL',
      'ARCHIVE_CONTAINER',
      'AzureWebJobsStorage',
      'PIPELINE_WINDOW_MINUTES',
      'PIPELINE_START_FROM',
      'ALERT_RULES',
    ])
      assert.ok(read.has(name), `loadConfig reads ${name}`);
  });

  it('differ only as documented in settings-contract.ts (both directions, no stale entries)', () => {
    assert.deepEqual(compareSettings(read, written), {
      undocumentedMissing: [],
      undocumentedExtra: [],
      stale: [],
    });
  });

  it('give every documented difference a reason', () => {
    for (const [name, reason] of Object.entries({ ...READ_NOT_WRITTEN, ...WRITTEN_NOT_READ }))
      assert.ok(reason.length > 20, `${name} has a reason`);
  });

  it('write the Key Vault reference, never a secret value, in O365_CLIENT_SECRET', () => {
    const settings = appSettings({ o365ClientSecret: 'not-in-settings' });
    assert.equal(
      settings.O365_CLIENT_SECRET,
      '@Microsoft.KeyVault(VaultName=<keyvault.outputs.name.value>;SecretName=o365-client-secret)',
    );
    assert.ok(!JSON.stringify(settings).includes('not-in-settings'));
    const appModule = template.resources.find((r) => r.name === 'functionapp');
    const moduleParams = Object.keys((appModule?.properties as { parameters: object }).parameters);
    assert.ok(
      !moduleParams.includes('o365ClientSecret'),
      'the function app module never receives the secret',
    );
  });

  it('authenticate every Azure client with the app identity: identity-based storage, Entra telemetry', () => {
    for (const c of CONFIGURATIONS) {
      const settings = appSettings(c);
      assert.equal(settings.AzureWebJobsStorage__credential, 'managedidentity');
      assert.ok(!('AzureWebJobsStorage' in settings), 'no storage connection string');
      assert.match(String(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING), /Authorization=AAD$/);
      if (c.identityType === 'UserAssigned') {
        assert.equal(String(settings.AZURE_CLIENT_ID), '<identity.outputs.clientId.value>');
        assert.equal(
          settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING,
          'ClientId=<identity.outputs.clientId.value>;Authorization=AAD',
        );
      }
    }
  });

  it('write the Flex-rejected runtime settings only on Elastic Premium', () => {
    for (const c of CONFIGURATIONS) {
      const settings = appSettings(c);
      const premium = c.hostingPlan === 'ElasticPremium';
      assert.equal('FUNCTIONS_WORKER_RUNTIME' in settings, premium);
      assert.equal('FUNCTIONS_EXTENSION_VERSION' in settings, premium);
    }
  });
});

describe('the settings comparison catches drift', () => {
  it('reports a setting the code reads that the templates do not write', () => {
    const diff = compareSettings(new Set(['A', 'NEW_SETTING']), new Set(['A']), {}, {});
    assert.deepEqual(diff.undocumentedMissing, ['NEW_SETTING']);
  });

  it('reports a setting the templates write that nobody reads (e.g. a typo)', () => {
    const diff = compareSettings(new Set(['KUSTO_TABLE']), new Set(['KUSTO_TABLE', 'KUSTO_TABEL']), {}, {});
    assert.deepEqual(diff.undocumentedExtra, ['KUSTO_TABEL']);
  });

  it('reports documented differences that are no longer differences', () => {
    const diff = compareSettings(
      new Set(['A']),
      new Set(['A', 'B']),
      { A: 'reason', GONE: 'reason' },
      { A: 'reason' },
    );
    assert.deepEqual(diff.stale, ['A', 'A', 'GONE']);
  });

  it('explores branches: a name read only when another is set is still found', () => {
    const load = (env: NodeJS.ProcessEnv): void => {
      if (env.MODE === 'streaming') void env.ONLY_WHEN_STREAMING;
      if (!env.SECRET) void env.ONLY_WITHOUT_SECRET;
    };
    assert.deepEqual([...namesReadBy(load, {})].sort(), ['MODE', 'ONLY_WITHOUT_SECRET', 'SECRET']);
    assert.deepEqual([...exploreSettingNames(load)].sort(), [
      'MODE',
      'ONLY_WHEN_STREAMING',
      'ONLY_WITHOUT_SECRET',
      'SECRET',
    ]);
  });

  it('refuses a loadConfig that enumerates the environment', () => {
    const load = (env: NodeJS.ProcessEnv): void => {
      void Object.keys(env);
    };
    assert.throws(() => exploreSettingNames(load), /enumerated the environment/);
  });
});
