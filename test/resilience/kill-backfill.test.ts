/**
 * docs/resilience.md, quick form: SIGKILL the host at random moments during a backfill and restart it; the final table equals
 * the ground truth, nothing lost and nothing twice. The soak (kill-backfill.soak.ts) does the same with many more kills.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runKillBackfill } from '../harness/kill-backfill';
import { duplicates } from '../harness/resilience-stack';

describe('SIGKILL at random moments during a backfill', { timeout: 90_000 }, () => {
  it('ends with exactly the ground truth of the range', async () => {
    const seed = Number(process.env.RESILIENCE_SEED ?? 31);
    const out = await runKillBackfill({
      seed,
      kills: 3,
      hours: 6,
      recordsPerHour: 80,
      recordsPerBlob: 20,
      timeoutMs: 80_000,
    });
    const context = `seed ${seed}, kills at fetches ${out.killedAtFetch.join(',')} (+${out.killDelaysMs.join(',')} ms)`;
    assert.equal(out.killedAtFetch.length, 3, `every kill happened before the backfill ended (${context})`);
    assert.equal(out.runtimeStatus, 'Completed', context);
    assert.ok(out.truth.ids.length > 10, `the range selects something (${out.truth.ids.length})`);
    assert.deepEqual(duplicates(out.ids), [], `nothing twice (${context})`);
    assert.deepEqual(out.ids, out.truth.ids, `nothing lost, nothing extra (${context})`);
  });
});
