import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseBicep } from './bicep';
import { appSettingNames } from './checks';
import { codeSettingNames, exploreSettingNames, namesReadBy } from './code-settings';
import { compareSettings, READ_NOT_WRITTEN, WRITTEN_NOT_READ } from './settings-contract';

const ROOT = path.join(__dirname, '..', '..');
const functionApp = parseBicep(
  readFileSync(path.join(ROOT, 'infra', 'modules', 'functionapp.bicep'), 'utf8'),
);

describe('app settings: the templates write what the code reads', () => {
  const read = codeSettingNames();
  const written = appSettingNames(functionApp);

  it('finds the settings DESIGN §6 names among those the code reads (the explorer works)', () => {
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
    const authVar = functionApp.vars.get('o365AuthSettings')?.expression ?? '';
    assert.match(
      authVar,
      /O365_CLIENT_SECRET: '@Microsoft\.KeyVault\(VaultName=\$\{keyVaultName\};SecretName=\$\{o365ClientSecretName\}\)'/,
    );
    assert.ok(
      !functionApp.params.has('o365ClientSecret'),
      'the function app module never receives the secret',
    );
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

  it('extracts written names from the appsettings resource through union() and conditional vars', () => {
    const template = parseBicep(
      [
        "var base = {\n  ONE: 'x'\n}",
        "var extra = flag\n  ? {\n      TWO: 'y'\n    }\n  : {}",
        'var unrelated = {\n  NOT_A_SETTING: 1\n}',
        "resource s 'Microsoft.Web/sites@2024-04-01' = {\n  name: 'a'\n  properties: unrelated\n}",
        "resource c 'Microsoft.Web/sites/config@2024-04-01' = {\n  parent: s\n  name: 'appsettings'\n  properties: union(base, extra, {\n    THREE: 'z'\n  })\n}",
      ].join('\n'),
    );
    assert.deepEqual([...appSettingNames(template)].sort(), ['ONE', 'THREE', 'TWO']);
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
