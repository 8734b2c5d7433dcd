import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnHostCli } from '../../harness/child-host';

/** Starts the app on the local host CLI with `env` and returns how it ended (it must end: start-up fails). */
function startApp(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const state = mkdtempSync(join(tmpdir(), 'o365-startup-'));
  const proc = spawnHostCli(['--app', 'src/index.ts', '--state', state], {
    PATH: process.env.PATH ?? '',
    ...env,
  });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((done) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      rmSync(state, { recursive: true, force: true });
      done({ code, output });
    });
  });
}

const valid = {
  O365_TENANT_ID: '0a365e1a-0000-4000-8000-00000000de00',
  O365_CLIENT_ID: '0a365e1a-c11e-4000-8000-000000000001',
  O365_CLIENT_SECRET: 'local-o365-sim-demo-secret',
  KUSTO_CLUSTER_URL: 'http://127.0.0.1:9',
  KUSTO_DATABASE: 'O365',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

describe('start-up validation', () => {
  it('a bad setting stops the app at start-up, naming the setting and not echoing the secret', async () => {
    const { code, output } = await startApp({
      ...valid,
      PIPELINE_WINDOW_MINUTES: '0',
      O365_CONTENT_TYPES: 'Audit.Nope',
    });
    assert.notEqual(code, 0, output);
    assert.match(output, /PIPELINE_WINDOW_MINUTES must be a whole number from 1 to 1440/);
    assert.match(output, /O365_CONTENT_TYPES has unknown content type "Audit.Nope"/);
    assert.doesNotMatch(output, /local-host ready/);
    assert.doesNotMatch(output, /local-o365-sim-demo-secret/);
  });

  it('bad alert rules stop the app at start-up too', async () => {
    const { code, output } = await startApp({ ...valid, ALERT_RULES: '{"rules": 5}' });
    assert.notEqual(code, 0, output);
    assert.match(output, /ALERT_RULES/);
    assert.doesNotMatch(output, /local-host ready/);
  });
});
