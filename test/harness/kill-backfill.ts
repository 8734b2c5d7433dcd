/**
 * The SIGKILL scenario, shared by the quick test and the soak: a backfill (POST /api/pipeline/rewind) over a range of
 * hours while the host is killed with SIGKILL at random moments (seeded, so a failure can be replayed with the same
 * seed) and restarted on the same state; at the end the table must equal the simulator's ground truth for the range.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../local/clock';
import type { GroundTruth } from '../../local/o365-sim';
import { Rng } from '../../local/o365-sim/random';
import {
  restartableHost,
  startStandIns,
  waitUntil,
  type RestartableHost,
  type StandIns,
} from './app-host-process';
import { currentHour, HOUR, TABLE } from './stack-harness';

const KEY = 'resilience-kill-key';

export interface KillScenario {
  seed: number;
  kills: number;
  hours: number;
  /** Simulator tenant volume. */
  recordsPerHour: number;
  recordsPerBlob: number;
  timeoutMs: number;
}

export interface KillOutcome {
  /** Content fetches counted by the simulator when each kill happened. */
  killedAtFetch: number[];
  /** Milliseconds after the chosen fetch at which each kill happened. */
  killDelaysMs: number[];
  runtimeStatus: string;
  ids: string[];
  truth: GroundTruth;
}

export async function runKillBackfill(s: KillScenario): Promise<KillOutcome> {
  // Seeded, so kill moments are random but replayable.
  const rng = new Rng(s.seed);
  const random = (): number => rng.next();
  const deadline = Date.now() + s.timeoutMs;
  const stateDir = mkdtempSync(join(tmpdir(), 'o365-resilience-kill-'));
  const t0 = currentHour();
  const from = t0 - (s.hours + 2) * HOUR;
  const to = t0 - 2 * HOUR;
  const clock = new VirtualClock(t0);
  let standIns: StandIns | undefined;
  let host: RestartableHost | undefined;
  try {
    standIns = await startStandIns(stateDir, clock, {
      seed: s.seed,
      tenant: { recordsPerHour: s.recordsPerHour, recordsPerBlob: s.recordsPerBlob },
      // Real latency, so a window lasts long enough to be interrupted anywhere in it.
      faults: { latencyMs: { min: 5, max: 25 } },
    });
    const { sim, env, sink } = standIns;
    const fetches = (): number => sim.counters().requests.content;

    const child = restartableHost(join(stateDir, 'host'), t0, env, KEY);
    host = child;
    await child.start();
    const started = await child.call('POST', '/api/pipeline/rewind', {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    if (started.status !== 202)
      throw new Error(`rewind answered ${started.status}: ${JSON.stringify(started.body)}`);
    const instanceId = (started.body as { instanceId: string }).instanceId;
    const blobsInRange = sim.groundTruth(from, to).contentBlobs;

    const killedAtFetch: number[] = [];
    const killDelaysMs: number[] = [];
    const instanceStatus = async (): Promise<string> => {
      const reply = await child.call('GET', `/runtime/webhooks/durabletask/instances/${instanceId}`);
      return (reply.body as { runtimeStatus?: string } | undefined)?.runtimeStatus ?? `HTTP ${reply.status}`;
    };
    for (let k = 0; k < s.kills; k++) {
      // Spread the kills over the backfill: wait for a random number of fetches, then a random extra delay, so
      // kills land while listing, fetching, correlating, ingesting and saving ledger entries.
      const step = Math.max(1, Math.round((blobsInRange / (s.kills + 1)) * (0.3 + 0.7 * random())));
      const target = fetches() + step;
      let done = false;
      await waitUntil(
        async () => fetches() >= target || (done = (await instanceStatus()) === 'Completed'),
        `content fetch ${target}`,
        deadline,
      );
      if (done) break;
      const delay = Math.floor(random() * 150);
      await new Promise((r) => setTimeout(r, delay));
      await child.kill();
      killedAtFetch.push(fetches());
      killDelaysMs.push(delay);
      await child.start();
    }
    let runtimeStatus = '';
    await waitUntil(
      async () => ['Completed', 'Failed', 'Terminated'].includes((runtimeStatus = await instanceStatus())),
      'the backfill to finish',
      deadline,
    );
    const ids = (await sink.query<{ Id: string }>(`${TABLE} | project Id`)).map((r) => r.Id).sort();
    return { killedAtFetch, killDelaysMs, runtimeStatus, ids, truth: sim.groundTruth(from, to) };
  } finally {
    await host?.stop();
    await standIns?.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
