/**
 * docs/local-stand-ins.md: each real setting that is present replaces its stand-in. Here an "already running" simulator and Kusto
 * endpoint (started by the test, with their own credentials and database) play the real services: the stack must
 * start neither, and the pipeline must land the selection in that database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import { startKustoLocal, type RunningKustoLocal } from '../../../local/kusto';
import { applyKustoSetup } from '../../../src/kusto';
import { startO365Sim, type RunningSim } from '../../../local/o365-sim';
import { startStack, type RunningStack } from '../../../local/stack';
import { KustoSink } from '../../../src/kusto';
import {
  BASE_SETTINGS,
  currentHour,
  HOUR,
  SMALL_TENANT,
  TABLE,
  type PipelineStatus,
} from '../../harness/stack-harness';

describe('real settings replace the stand-ins', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'o365-e2e-real-'));
  const t0 = currentHour();
  const origin = t0 - 4 * HOUR;
  const clock = new VirtualClock(t0);
  let sim: RunningSim;
  let kusto: RunningKustoLocal;
  let stack: RunningStack;
  let sink: KustoSink;
  before(async () => {
    sim = await startO365Sim({
      port: 0,
      clock,
      seed: 9,
      tenantId: '7e1a0b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b',
      clientId: '11111111-2222-4333-8444-555555555555',
      clientSecret: 'a-test-only-secret',
      tenant: { ...SMALL_TENANT, contentStartMs: origin },
    });
    kusto = await startKustoLocal({ port: 0, stateDir: join(stateDir, 'own-kusto'), clock });
    // A real cluster has its objects from the deployer's setup (the app only verifies them).
    await applyKustoSetup({
      clusterUrl: kusto.url,
      ingestUrl: kusto.url,
      database: 'SocAlerts',
      table: 'O365SecurityAlerts',
      ingestionMode: 'streaming',
    });
    stack = await startStack({
      stateDir,
      clock,
      ports: { host: 0, rpc: 0, o365: 0, kusto: 0, azurite: [0, 0, 0] },
      env: {
        O365_API_URL: sim.apiUrl,
        O365_LOGIN_URL: sim.loginUrl,
        O365_TENANT_ID: sim.tenantId,
        O365_CLIENT_ID: sim.clientId,
        O365_CLIENT_SECRET: sim.clientSecret,
        KUSTO_CLUSTER_URL: kusto.url,
        KUSTO_DATABASE: 'SocAlerts',
        KUSTO_INGESTION_MODE: 'streaming',
      },
      settings: BASE_SETTINGS,
      startFrom: origin,
      log: () => undefined,
    });
    sink = new KustoSink({
      clusterUrl: kusto.url,
      ingestUrl: kusto.url,
      database: 'SocAlerts',
      table: TABLE,
      ingestionMode: 'streaming',
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      await stack.host.waitForIdle(60_000);
      const status = (await stack.call('GET', '/api/pipeline/status')).body as PipelineStatus;
      if (status.loop?.state === 'waiting') break;
      assert.ok(Date.now() < deadline, JSON.stringify(status));
    }
  });
  after(async () => {
    await stack?.host.waitForIdle(20_000).catch(() => undefined);
    await sink?.close().catch(() => undefined);
    await stack?.close();
    await kusto?.close();
    await sim?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts only what is missing (Azurite) and passes the real settings through', () => {
    assert.equal(stack.sim, undefined);
    assert.equal(stack.kusto, undefined);
    assert.ok(stack.azurite, 'Azurite still stands in for storage');
    assert.equal(stack.settings.O365_API_URL, undefined, 'the stack set no O365 settings of its own');
    assert.equal(stack.settings.KUSTO_CLUSTER_URL, undefined);
    assert.equal(process.env.KUSTO_DATABASE, 'SocAlerts', 'the app sees the given database');
  });

  it("lands the selection in the given database of the given cluster, using the given tenant's credentials", async () => {
    const ids = (await sink.query<{ Id: string }>(`${TABLE} | project Id`)).map((r) => r.Id).sort();
    const truth = sim.groundTruth(origin, t0 - HOUR);
    assert.ok(truth.ids.length > 0);
    assert.deepEqual(ids, truth.ids);
    assert.ok(sim.counters().requests.token > 0, 'the app authenticated against the given login URL');
  });
});
