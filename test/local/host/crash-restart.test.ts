import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killHard, spawnHost, type ChildHost } from '../../harness/child-host';
import { fixture } from '../../harness/host-helpers';

const work = mkdtempSync(join(tmpdir(), 'local-host-crash-'));
const hosts: ChildHost[] = [];
after(async () => {
  for (const h of hosts) await killHard(h);
  rmSync(work, { recursive: true, force: true });
});

const executions = (log: string): number =>
  existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;

test('a host SIGKILLed in the middle of a fan-out resumes on restart and returns the exact result', async (t) => {
  const state = join(work, 'state');
  const log = join(work, 'activities.log');
  const args = ['--app', fixture('durable-app.ts'), '--state', state, '--quiet'];
  const env = { HOST_TEST_ACTIVITY_LOG: log, LOCAL_FUNCTION_KEY: 'crash-key' };
  const n = 2000;

  const first = await spawnHost(args, env);
  hosts.push(first);
  const started = await fetch(`${first.rpcBaseUrl}orchestrators/batchedFanOut/crash-1`, {
    method: 'POST',
    body: JSON.stringify({ n, batch: 250, activity: 'logSquare' }),
  });
  assert.equal(started.status, 202);
  // Kill once some activities ran but long before all of them did.
  const deadline = Date.now() + 20_000;
  while (executions(log) < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await killHard(first);
  const beforeKill = executions(log);
  assert.ok(
    beforeKill >= 300 && beforeKill < n,
    `killed mid fan-out (${beforeKill} of ${n} activities had run)`,
  );

  const second = await spawnHost(args, env);
  hosts.push(second);
  let status: { runtimeStatus: string; output: unknown } | undefined;
  while (Date.now() < deadline + 20_000) {
    const res = await fetch(`${second.rpcBaseUrl}instances/crash-1`);
    status = (await res.json()) as { runtimeStatus: string; output: unknown };
    if (status.runtimeStatus === 'Completed' || status.runtimeStatus === 'Failed') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(status?.runtimeStatus, 'Completed');
  assert.equal(status?.output, ((n - 1) * n * (2 * n - 1)) / 6); // sum of i² for i < n
  // At least once: every activity ran; some may have run twice around the crash.
  assert.ok(executions(log) >= n, `${executions(log)} executions for ${n} activities`);
  t.diagnostic(
    `killed after ${beforeKill} activity executions; ${executions(log)} executions in total for ${n}`,
  );
  await second.stop();
});
