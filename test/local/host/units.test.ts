import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { nextRetryDelay } from '../../../local/host/retry';
import { compileRoute } from '../../../local/host/routes';
import { parseOrchestratorError, parseOrchestratorResult } from '../../../local/host/wire';
import { fixture, startTestHost, testKey } from '../../harness/host-helpers';

test('route templates: literals, parameters, constraints, optionals and catch-alls', () => {
  assert.deepEqual(compileRoute('pipeline/start').match('/Pipeline/Start'), {});
  assert.equal(compileRoute('pipeline/start').match('pipeline/stop'), undefined);
  assert.deepEqual(compileRoute('items/{id:int}').match('items/42'), { id: '42' });
  assert.equal(compileRoute('items/{id:int}').match('items/abc'), undefined);
  assert.deepEqual(compileRoute('orchestrators/{name}/{id?}').match('orchestrators/a'), { name: 'a' });
  assert.deepEqual(compileRoute('orchestrators/{name}/{id?}').match('orchestrators/a/b%20c'), {
    name: 'a',
    id: 'b c',
  });
  assert.deepEqual(compileRoute('files/{*rest}').match('files/x/y/z'), { rest: 'x/y/z' });
});

test('DTFx retry delays: backoff, cap, attempts and timeout', () => {
  const policy = {
    firstRetryIntervalMs: 1000,
    maxNumberOfAttempts: 4,
    backoffCoefficient: 2,
    maxRetryIntervalMs: 3000,
  };
  assert.equal(nextRetryDelay(policy, 1, 0, 0), 1000);
  assert.equal(nextRetryDelay(policy, 2, 0, 0), 2000);
  assert.equal(nextRetryDelay(policy, 3, 0, 0), 3000); // 4000 capped
  assert.equal(nextRetryDelay(policy, 4, 0, 0), undefined); // attempts used up
  assert.equal(nextRetryDelay({ ...policy, retryTimeoutMs: 5000 }, 1, 0, 5000), undefined);
});

test('orchestrator state and failures are read from the SDK wire shapes (V2 actions nested in WhenAll)', () => {
  const state = {
    isDone: false,
    schemaVersion: 2,
    actions: [
      [
        {
          actionType: 12,
          compoundActions: [
            { actionType: 0, functionName: 'a', input: '"text"' },
            {
              actionType: 1,
              functionName: 'b',
              input: { x: 1 },
              retryOptions: { firstRetryIntervalInMilliseconds: 5, maxNumberOfAttempts: 3 },
            },
          ],
        },
        { actionType: 5, fireAt: '2026-01-01T00:00:00.000Z', isCanceled: false },
        { actionType: 2, functionName: 'c', instanceId: 'kid', input: 'raw' },
      ],
    ],
    customStatus: { step: 1 },
  };
  const outcome = parseOrchestratorResult({ json: JSON.stringify(state) });
  assert.deepEqual(
    outcome.actions.map((a) => a.kind),
    ['activity', 'activity', 'timer', 'subOrchestration'],
  );
  assert.deepEqual(outcome.actions[0], { kind: 'activity', name: 'a', input: '"text"' });
  assert.equal(outcome.actions[1]?.kind === 'activity' && outcome.actions[1].input, '{"x":1}');
  assert.equal(outcome.actions[3]?.kind === 'subOrchestration' && outcome.actions[3].input, '"raw"');
  assert.equal(outcome.customStatus, '{"step":1}');
  const failed = parseOrchestratorError(
    new Error(`false\n\n$OutOfProcData$:${JSON.stringify({ ...state, error: 'nope' })}`),
  );
  assert.equal(failed.error, 'nope');
});

test('the app is loaded with its appStart hook, and its functions are listed on /admin/host/status', async () => {
  const before = Number(process.env.HOST_TEST_APP_STARTED ?? '0');
  const host = await startTestHost();
  try {
    assert.equal(Number(process.env.HOST_TEST_APP_STARTED), before + 1);
    const res = await fetch(`${host.baseUrl}/admin/host/status?code=${testKey}`);
    const body = (await res.json()) as { functions: string[] };
    for (const name of ['fanOut', 'double', 'clientOp', 'ping'])
      assert.ok(body.functions.includes(name), name);
  } finally {
    await host.dispose();
  }
});

test('one host per state dir: a second host on it is refused until the first closes', async () => {
  const first = await startTestHost();
  try {
    await assert.rejects(startTestHost({ stateDir: first.stateDir }), /already used by another host/);
  } finally {
    await first.close();
  }
  const second = await startTestHost({ stateDir: first.stateDir });
  await second.dispose();
  rmSync(first.stateDir, { recursive: true, force: true });
});

test('two hosts in one process each serve the app they loaded', async () => {
  const a = await startTestHost();
  const b = await startTestHost({ appEntry: fixture('timer-app.ts') });
  try {
    assert.equal((await fetch(`${a.baseUrl}/api/ping`)).status, 200);
    assert.equal((await fetch(`${b.baseUrl}/api/ping`)).status, 404);
    const onA = await fetch(`${a.rpcBaseUrl}orchestrators/sequence/on-a`, { method: 'POST', body: '1' });
    assert.equal(onA.status, 202);
    const onB = await fetch(`${b.rpcBaseUrl}orchestrators/sequence/on-b`, { method: 'POST', body: '1' });
    assert.equal(onB.status, 400); // timer-app has no 'sequence'
    assert.equal(
      ((await a.waitForStatus('on-a', ['Completed'], 5000)) as { runtimeStatus: string }).runtimeStatus,
      'Completed',
    );
  } finally {
    await a.dispose();
    await b.dispose();
  }
});
