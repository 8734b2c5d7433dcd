/**
 * Soak form of the SIGKILL scenario (`npm run soak`): a day-long backfill of a busier tenant with 25 kills at random
 * moments, for three seeds. Takes minutes, not seconds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runKillBackfill } from '../harness/kill-backfill';
import { duplicates } from '../harness/resilience-stack';

describe('soak: many SIGKILLs during a day-long backfill', { timeout: 30 * 60_000 }, () => {
  for (const seed of [101, 202, 303]) {
    it(`seed ${seed}: ends with exactly the ground truth of the range`, async () => {
      const out = await runKillBackfill({
        seed,
        kills: 25,
        hours: 24,
        recordsPerHour: 200,
        recordsPerBlob: 20,
        timeoutMs: 9 * 60_000,
      });
      const context = `seed ${seed}, kills at fetches ${out.killedAtFetch.join(',')}`;
      assert.ok(out.killedAtFetch.length >= 20, `most kills landed before the end (${context})`);
      assert.equal(out.runtimeStatus, 'Completed', context);
      assert.deepEqual(duplicates(out.ids), [], context);
      assert.deepEqual(out.ids, out.truth.ids, context);
    });
  }
});
