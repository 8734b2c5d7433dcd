/** Settings fixtures for the tests of loadConfig and of the parts it configures. */
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';

/** The required settings with valid fixture values (one tenant, a client secret that is no real secret). */
export const VALID_SETTINGS = {
  O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  O365_CLIENT_ID: 'aaaaaaaa-2222-3333-4444-555555555555',
  O365_CLIENT_SECRET: 'not-a-real-secret',
  KUSTO_CLUSTER_URL: 'https://mycluster.westeurope.kusto.windows.net',
  KUSTO_DATABASE: 'Security',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

/** The problems loadConfig reports for `env`; fails the test when it reports none. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}
