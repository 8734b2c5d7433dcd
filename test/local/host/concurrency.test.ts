import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import { startTestHost, type TestHost } from '../../harness/host-helpers';

let host: TestHost;
before(async () => {
  host = await startTestHost({ clock: new VirtualClock('2026-07-01T00:00:00Z'), timeSkipping: true });
});
after(() => host.dispose());

test('many instances of mixed shapes run at once and each ends with its exact result', async () => {
  const rpc = (path: string, body: unknown) =>
    fetch(`${host.rpcBaseUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const expected = new Map<string, unknown>();
  const starts: Promise<Response>[] = [];
  for (let i = 0; i < 15; i++) {
    starts.push(rpc(`orchestrators/fanOut/mix-fan-${i}`, { n: 40 + i }));
    expected.set(`mix-fan-${i}`, (39 + i) * (40 + i));
    starts.push(
      rpc(`orchestrators/retrying/mix-retry-${i}`, {
        key: `mix-${i}`,
        succeedOn: 1 + (i % 3),
        maxAttempts: 3,
      }),
    );
    expected.set(`mix-retry-${i}`, { ok: { attempt: 1 + (i % 3) } });
    starts.push(rpc(`orchestrators/counterLoop/mix-loop-${i}`, { generation: 0, total: 0, until: 5 }));
    expected.set(`mix-loop-${i}`, { generation: 5, total: 20, until: 5 });
    starts.push(rpc(`orchestrators/timerThenTime/mix-timer-${i}`, { delayMs: (i + 1) * 60_000 }));
    expected.set(`mix-timer-${i}`, (i + 1) * 60_000);
  }
  const responses = await Promise.all(starts);
  assert.ok(responses.every((r) => r.status === 202));
  for (const [id, want] of expected) {
    const status = (await host.waitForStatus(id, ['Completed', 'Failed'], 20_000)) as {
      runtimeStatus: string;
      output: unknown;
    };
    assert.equal(status.runtimeStatus, 'Completed', id);
    if (id.startsWith('mix-timer-')) {
      const out = status.output as { started: number; woke: number };
      assert.equal(out.woke - out.started, want, id);
    } else assert.deepEqual(status.output, want, id);
  }
  await host.waitForIdle();
});
