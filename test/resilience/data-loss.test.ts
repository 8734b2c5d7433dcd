/**
 * Loss the pipeline cannot prevent must be reported exactly, and nothing else lost:
 *  - content that expired between listing and fetching (AF20051): counted per blob, the rest of the window ingested;
 *  - a checkpoint older than the 7-day retention (the app was down for 9 days): the skipped range is reported as data
 *    loss with its exact bounds, and every window after it is processed as usual.
 * The virtual clock stands still while the pipeline works and is moved by the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ArchiveStore, rawContentName } from '../../src/archive';
import { loadConfig } from '../../src/config';
import { createManagementApiClient, type AuditRecord, type ContentReference } from '../../src/o365';
import {
  currentHour,
  duplicates,
  HOUR,
  startResilienceStack,
  type ResilienceStack,
  type PipelineStatus,
} from '../harness/resilience-stack';

const DAY = 24 * HOUR;
const EXPIRED_BLOBS = 2;

/** Polls status until the checkpoint reaches `endMs`. */
async function waitForCheckpoint(
  stack: ResilienceStack,
  endMs: number,
  timeoutMs = 45_000,
): Promise<PipelineStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await stack.host.waitForIdle(timeoutMs).catch(() => undefined);
    const s = await stack.status();
    if (s.checkpoint && Date.parse(s.checkpoint.nextStart) >= endMs) return s;
    if (Date.now() > deadline)
      throw new Error(
        `checkpoint stuck: ${JSON.stringify(s.checkpoint)} ${JSON.stringify(s.loop?.recentFailures)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('data loss is reported exactly', { timeout: 120_000 }, () => {
  let stack: ResilienceStack;
  let t0: number;
  let phase1: PipelineStatus;
  let phase2: PipelineStatus;
  let lostRefs: ContentReference[];
  let lostRecords: AuditRecord[];
  let ids: string[];

  before(async () => {
    t0 = currentHour();
    stack = await startResilienceStack({
      t0,
      sim: { seed: 23, tenant: { recordsPerHour: 40, recordsPerBlob: 20 } },
      settings: { PIPELINE_WINDOW_MINUTES: '1440' },
    });
    // The first two blob fetches answer "expired", as they would for a blob listed just before its 7 days ran out.
    stack.sim!.script([
      {
        match: 'content',
        status: 400,
        code: 'AF20051',
        message: 'Content expired (scripted)',
        times: EXPIRED_BLOBS,
      },
    ]);
    const start = await stack.call('POST', '/api/pipeline/start', {
      startFrom: new Date(t0 - 49 * HOUR).toISOString(),
    });
    assert.ok(start.status < 300, JSON.stringify(start.body));
    phase1 = await waitForCheckpoint(stack, t0 - HOUR);

    // Which blobs were lost: listed in the range, never archived.
    const config = loadConfig(stack.settings);
    const archive = ArchiveStore.fromConfig(config.storage);
    const archived = new Set(await archive.list('raw/'));
    const client = await createManagementApiClient(config.o365, { now: () => stack.clock.now() });
    const refs = [
      ...(await client.listContent('Audit.General', {
        start: new Date(t0 - 49 * HOUR),
        end: new Date(t0 - 25 * HOUR),
      })),
      ...(await client.listContent('Audit.General', {
        start: new Date(t0 - 25 * HOUR),
        end: new Date(t0 - HOUR),
      })),
    ];
    lostRefs = refs.filter((r) => !archived.has(rawContentName(r)));
    // Read the lost blobs now, while they are inside retention (the script is spent, so the simulator serves them).
    lostRecords = (await Promise.all(lostRefs.map((r) => client.fetchContent(r.contentUri)))).flat();

    // Nine days pass with the app down: the checkpoint is now older than the API's retention.
    stack.clock.advanceTo(t0 + 9 * DAY);
    phase2 = await waitForCheckpoint(stack, t0 + 8 * DAY - HOUR);
    ids = await stack.ids();
  });
  after(async () => {
    await stack?.dispose();
  });

  it('counts each expired blob once and archives every other blob', () => {
    assert.equal(phase1.checkpoint!.totals.expiredContent, EXPIRED_BLOBS);
    assert.equal(
      lostRefs.length,
      EXPIRED_BLOBS,
      `unarchived blobs: ${lostRefs.map((r) => r.contentId).join(', ')}`,
    );
    assert.equal(
      phase1.checkpoint!.totals.fetched + EXPIRED_BLOBS,
      phase1.checkpoint!.totals.listed - phase1.checkpoint!.totals.alreadyProcessed,
    );
  });

  it('reports the range skipped by a too-old checkpoint with its exact bounds', () => {
    const loss = phase2.checkpoint!.dataLoss;
    assert.equal(loss.length, 1, JSON.stringify(loss));
    assert.equal(loss[0].from, new Date(t0 - HOUR).toISOString());
    // The loop's retention floor: now − 7 days + its 60-minute margin.
    assert.equal(loss[0].to, new Date(t0 + 9 * DAY - 7 * DAY + HOUR).toISOString());
    assert.ok(loss[0].reason.length > 0);
    assert.deepEqual(phase2.loop?.dataLoss, loss, 'status shows the loss too');
  });

  it('loses nothing else: the table is the ground truth of the processed ranges minus the lost blobs', async () => {
    assert.deepEqual(duplicates(ids), []);
    const loss = phase2.checkpoint!.dataLoss[0];
    const sim = stack.sim!;
    // Ground truth of each range the pipeline could process, taken at the time it processed it is not available
    // after the jump; the ids of a range do not depend on when they are asked for, only expiry does.
    const before = sim.groundTruth(Date.parse(phase2.checkpoint!.origin), Date.parse(loss.from));
    const afterLoss = sim.groundTruth(Date.parse(loss.to), Date.parse(phase2.checkpoint!.nextStart));
    const expected = new Set([...before.ids, ...afterLoss.ids]);
    const got = new Set(ids);
    const unexpected = ids.filter((id) => !expected.has(id));
    assert.deepEqual(unexpected, [], 'nothing outside the ground truth');
    const missing = [...expected].filter((id) => !got.has(id));
    // Every missing id must be explained by a lost blob: a record in it, or an alert whose verdict was in it.
    const lostIds = new Set(lostRecords.map((r) => String(r.Id)));
    const truthAlerts = new Map([...before.alerts, ...afterLoss.alerts].map((a) => [a.alertRecordId, a]));
    const lostInvestigations = new Set(
      lostRecords.map((r) => String((r as Record<string, unknown>).InvestigationId ?? '')),
    );
    const unexplained = missing.filter(
      (id) => !lostIds.has(id) && !lostInvestigations.has(truthAlerts.get(id)?.investigationId ?? '-'),
    );
    assert.deepEqual(unexplained, [], `${missing.length} missing, all from the ${EXPIRED_BLOBS} lost blobs`);
    assert.ok(expected.size > 20, `the run selected something (${expected.size})`);
    assert.ok(lostRecords.length > 0, 'the lost blobs held records');
  });
});
