import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config';

const base = {
  O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  O365_CLIENT_ID: 'aaaaaaaa-2222-3333-4444-555555555555',
  O365_CLIENT_SECRET: 'not-a-real-secret',
  KUSTO_CLUSTER_URL: 'https://mycluster.westeurope.kusto.windows.net',
  KUSTO_DATABASE: 'Security',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

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
