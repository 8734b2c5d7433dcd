import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTimeSpan, readHostJson } from '../../../local/host/host-config';
import { fixture, startTestHost, testKey } from '../../harness/host-helpers';

test('host.json settings: hub name, concurrency, route prefix, functionTimeout', () => {
  const settings = readHostJson(fixture('short-timeout'));
  assert.deepEqual(settings, {
    hubName: 'ShortTimeoutHub',
    maxConcurrentActivityFunctions: 2,
    maxConcurrentOrchestratorFunctions: 10,
    routePrefix: 'custom',
    functionTimeoutMs: 1000,
  });
  assert.equal(parseTimeSpan('1.02:03:04', 0), ((24 + 2) * 3600 + 3 * 60 + 4) * 1000);
  assert.equal(parseTimeSpan('-1', 5), undefined);
  assert.throws(() => parseTimeSpan('ten minutes', 0), /not a TimeSpan/);
});

test('activities and HTTP functions running past functionTimeout fail; routes use the configured prefix', async () => {
  const host = await startTestHost({ appRoot: fixture('short-timeout') });
  try {
    assert.equal((await fetch(`${host.baseUrl}/custom/ping`)).status, 200);
    assert.equal((await fetch(`${host.baseUrl}/api/ping`)).status, 404);
    const res = await fetch(`${host.rpcBaseUrl}orchestrators/callHang/hang-1`, { method: 'POST', body: '' });
    assert.equal(res.status, 202);
    const body = (await res.json()) as { statusQueryGetUri: string };
    assert.match(body.statusQueryGetUri, /taskHub=ShortTimeoutHub/);
    assert.match(body.statusQueryGetUri, new RegExp(`code=${testKey}`));
    const status = (await host.waitForStatus('hang-1', ['Completed', 'Failed'], 10_000)) as {
      output: string;
    };
    assert.match(status.output, /Timeout value of 1000 ms .* exceeded by function: hang/);
    const slow = await fetch(`${host.baseUrl}/custom/slow`);
    assert.equal(slow.status, 500);
  } finally {
    await host.dispose();
  }
});
