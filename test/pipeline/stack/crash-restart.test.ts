/**
 * docs/resilience.md: killing the host at any point and restarting it ends with exactly the same table as an uninterrupted
 * run. The host runs as the CLI in a child process (virtual clock standing still at t0, so the backlog is the whole
 * job) and is SIGKILLed twice while content blobs are being fetched, i.e. in the middle of a window, and once just
 * after a window's rows reached the table; the stand-ins run in this process and outlive it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import type { RunningSim } from '../../../local/o365-sim';
import {
  restartableHost,
  startStandIns,
  waitUntil,
  type RestartableHost,
  type StandIns,
} from '../../harness/app-host-process';
import {
  currentHour,
  duplicates,
  HOUR,
  SMALL_TENANT,
  TABLE,
  type PipelineStatus,
} from '../../harness/stack-harness';

const KEY = 'e2e-crash-restart-key';

/** Waits up to a minute for `condition`. */
const until = (condition: () => boolean | Promise<boolean>, what: string): Promise<void> =>
  waitUntil(condition, what, Date.now() + 60_000);

describe('host SIGKILLed in the middle of windows and restarted', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'o365-e2e-crash-'));
  let t0: number;
  let origin: number;
  let standIns: StandIns | undefined;
  let sim: RunningSim;
  let host: RestartableHost | undefined;
  let status: PipelineStatus;
  let rows: { Id: string }[];
  const kills: number[] = [];

  before(async () => {
    t0 = currentHour();
    origin = t0 - 10 * HOUR;
    const clock = new VirtualClock(t0);
    standIns = await startStandIns(stateDir, clock, {
      seed: 21,
      tenant: { ...SMALL_TENANT, contentStartMs: origin },
      // Real latency so a window lasts long enough to be interrupted.
      faults: { latencyMs: { min: 15, max: 30 } },
    });
    const { env, sink } = standIns;
    sim = standIns.sim;
    const fetches = (): number => sim.counters().requests.content;

    const child = restartableHost(join(stateDir, 'host'), t0, env, KEY);
    host = child;
    await child.start();
    const started = await child.call('POST', '/api/pipeline/start', {
      startFrom: new Date(origin).toISOString(),
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    // Kill while blobs of a window are being fetched (4 blobs an hour: fetch 6 is inside the second window).
    for (const atFetch of [6, 19]) {
      await until(() => fetches() >= atFetch, `content fetch ${atFetch}`);
      await child.kill();
      kills.push(fetches());
      await child.start();
    }
    // And right after a window's rows landed in the table, before its ledger entry and checkpoint are saved: the
    // restarted window must not ingest them again.
    const rowCount = async (): Promise<number> =>
      (await sink.query<{ n: number }>(`${TABLE} | count | project n = Count`))[0]?.n ?? 0;
    const landed = await rowCount();
    await until(async () => (await rowCount()) > landed, 'the next ingestion');
    await child.kill();
    kills.push(fetches());
    await child.start();
    await until(async () => {
      const reply = await child.call('GET', '/api/pipeline/status');
      return (reply.body as PipelineStatus).loop?.state === 'waiting';
    }, 'the loop to catch up');
    status = (await child.call('GET', '/api/pipeline/status')).body as PipelineStatus;
    rows = await sink.query<{ Id: string }>(`${TABLE} | project Id`);
  });

  after(async () => {
    await host?.stop();
    await standIns?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('was really interrupted mid-backlog', () => {
    assert.equal(kills.length, 3);
    const blobs = sim.groundTruth(origin, t0).contentBlobs;
    assert.ok(kills[2]! < blobs, `the last kill (${kills[2]} fetches) came before the last blob (${blobs})`);
  });

  it('ends with exactly the ground-truth selection, nothing lost, nothing twice', () => {
    const end = Date.parse(status.checkpoint!.nextStart);
    assert.equal(end, t0 - HOUR, 'caught up to the last settled window');
    const ids = rows.map((r) => r.Id);
    assert.deepEqual(duplicates(ids), []);
    const truth = sim.groundTruth(origin, end);
    assert.ok(truth.ids.length > 10);
    assert.deepEqual(ids.sort(), truth.ids);
    assert.equal(status.checkpoint!.windowsDone, (end - origin) / HOUR);
  });
});
