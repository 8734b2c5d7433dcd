/**
 * Every window run leaves one structured log line and one telemetry row in Kusto, and both agree with the loop's
 * status: as many runs as windows done per content type, and the same ingested and seen totals. Log lines hold
 * counters and names only — no record content and no secret.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HOUR, startPipelineHost, type PipelineHost, type PipelineStatus } from '../../harness/pipeline-host';

interface RunLine {
  event: string;
  TenantId: string;
  RunId: string;
  RunKind: string;
  ContentType: string;
  WindowStart: string;
  Outcome: string;
  Ingested: number;
  RecordsSeen: number;
  LagMinutes: number;
  StageSeconds?: unknown;
}

describe('logs and telemetry of window runs', () => {
  let p: PipelineHost;
  let status: PipelineStatus;
  const lines: string[] = [];

  before(async () => {
    p = await startPipelineHost({
      sim: { seed: 4, tenant: { recordsPerHour: 120, recordsPerBlob: 30, userReportedShare: 0.4 } },
      log: (line) => lines.push(line),
    });
    await p.startLoop(p.t0 - 4 * HOUR);
    await p.driveUntil(p.t0);
    status = await p.status();
  });
  after(async () => {
    await p?.dispose();
  });

  function runLines(): RunLine[] {
    const marker = '[recordWindow] information: ';
    return lines
      .filter((l) => l.includes(marker))
      .map((l) => JSON.parse(l.slice(l.indexOf(marker) + marker.length)) as RunLine)
      .filter((r) => r.event === 'windowRun');
  }

  it('logs one line per window run, whose counts add up to the status totals', () => {
    const runs = runLines();
    const done = status.checkpoint!.windowsDone;
    assert.ok(done >= 3, `windows done: ${done}`);
    assert.equal(runs.length, done, 'one line per window (one content type)');
    assert.ok(runs.every((r) => r.Outcome === 'done' && r.RunKind === 'live' && r.RunId === 'o365-pipeline'));
    const totals = status.checkpoint!.totals;
    assert.equal(
      runs.reduce((n, r) => n + r.Ingested, 0),
      totals.ingested,
    );
    assert.equal(
      runs.reduce((n, r) => n + r.RecordsSeen, 0),
      totals.recordsSeen,
    );
    assert.ok(totals.ingested > 0, 'the run ingested rows');
    assert.ok(runs.every((r) => typeof r.LagMinutes === 'number' && r.LagMinutes >= 0));
  });

  it('never logs the client secret or record content', () => {
    const all = lines.join('\n');
    const secret = p.stack.settings.O365_CLIENT_SECRET;
    assert.ok(secret && secret.length >= 8, 'the stack signs in with a client secret');
    assert.ok(!all.includes(secret), 'no secret in any line');
    assert.ok(!/"Data"\s*:/.test(all), 'no record Data in any line');
  });

  it('writes one telemetry row per run to the telemetry table, agreeing with the log', async () => {
    const runs = runLines();
    let rows: {
      RunId: string;
      WindowStart: string;
      Ingested: number;
      RecordsSeen: number;
      Outcome: string;
      Latency: Record<string, { p50: number; p95: number; max: number }>;
    }[] = [];
    // Telemetry is always queued: on the virtual clock the local endpoint ingests queued batches when drained.
    for (let i = 0; i < 20 && rows.length < runs.length; i++) {
      await p.stack.kusto!.drainQueuedIngestion();
      rows = await p.kusto<(typeof rows)[number]>(
        'O365PipelineRuns | project RunId, WindowStart, Ingested, RecordsSeen, Outcome, Latency',
      );
      if (rows.length < runs.length) await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(rows.length, runs.length, 'exactly one row per run');
    assert.equal(
      rows.reduce((n, r) => n + Number(r.Ingested), 0),
      status.checkpoint!.totals.ingested,
    );
    assert.deepEqual(
      rows.map((r) => Date.parse(r.WindowStart)).sort(),
      runs.map((r) => Date.parse(r.WindowStart)).sort(),
    );
    // Windows that ingested rows measured every stage from record creation to the rows being queryable (streaming:
    // one handed Id is queried right after the hand-off).
    const measured = rows.filter((r) => Number(r.Ingested) > 0);
    assert.ok(measured.length > 0);
    for (const r of measured) {
      for (const stage of [
        'creationToContentCreated',
        'contentCreatedToListed',
        'listedToFetched',
        'fetchedToHanded',
        'handedToQueryable',
      ]) {
        const p = r.Latency[stage];
        assert.ok(p && p.p50 <= p.p95 && p.p95 <= p.max, `${stage}: ${JSON.stringify(r.Latency)}`);
      }
    }
  });
});
