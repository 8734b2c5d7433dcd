/**
 * The live loop on the local host: started over HTTP, run for simulated hours, the table holds exactly the
 * simulator's ground truth for the processed range; a second start is answered with the running instance; the
 * windows route shows one ledger entry per window; a rewind of the processed range adds nothing and shows in the
 * ledger; stop ends the loop; the routes refuse bad input with 4xx and a reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HOUR, MINUTE, startPipelineHost, type PipelineHost } from '../../harness/pipeline-host';

describe('live loop on the local host (HTTP start, hours of windows, rewind, stop)', () => {
  let p: PipelineHost;
  let origin: number;
  let runEnd: number;

  before(async () => {
    p = await startPipelineHost({ sim: { seed: 11, tenant: { recordsPerHour: 60, recordsPerBlob: 20 } } });
    origin = p.t0 - 3 * HOUR;
    await p.startLoop(origin);
    runEnd = p.t0 + 5 * HOUR;
    await p.driveUntil(runEnd);
  });
  after(async () => {
    await p?.dispose();
  });

  it('advanced the checkpoint window by window up to the settled now', async () => {
    const status = await p.status();
    assert.ok(status.checkpoint, JSON.stringify(status));
    assert.equal(status.checkpoint.origin, new Date(origin).toISOString());
    const nextStart = Date.parse(status.checkpoint.nextStart);
    // At the last timer ≤ runEnd the settled now (now − 5 min) has passed every whole window before runEnd − 1 h.
    assert.ok(nextStart >= runEnd - HOUR, `checkpoint ${status.checkpoint.nextStart}`);
    assert.equal(status.checkpoint.windowsDone, (nextStart - origin) / HOUR);
    assert.equal(status.runtimeStatus, 'Running');
    assert.equal(status.loop?.state, 'waiting');
    assert.deepEqual(status.loop?.recentFailures, []);
    assert.equal(status.checkpoint.totals.listed > 0, true);
    assert.equal(status.checkpoint.totals.ingested, (await p.tableIds()).length);
  });

  it('holds exactly the ground-truth selection for the processed range, without duplicates', async () => {
    const status = await p.status();
    const nextStart = Date.parse(status.checkpoint!.nextStart);
    const ids = await p.assertTableIsGroundTruth(origin, nextStart);
    assert.ok(ids.length >= 5, `the run had something to select (${ids.length})`);
  });

  it('answers a second start with the running instance instead of starting another', async () => {
    const again = await p.call('POST', '/api/pipeline/start', {});
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const body = again.body as { instanceId: string; statusQueryGetUri: string };
    assert.equal(body.instanceId, 'o365-pipeline');
    assert.match(body.statusQueryGetUri, /o365-pipeline/);
  });

  it('lists one done ledger entry per processed window, with the blobs it fetched', async () => {
    const status = await p.status();
    const nextStart = Date.parse(status.checkpoint!.nextStart);
    const windows = await p.windows(origin, nextStart);
    assert.equal(windows.length, (nextStart - origin) / HOUR);
    for (const [i, w] of windows.entries()) {
      assert.equal(w.windowStart, new Date(origin + i * HOUR).toISOString());
      assert.equal(w.status, 'done');
      assert.equal(w.runs.length, 1);
      assert.equal(w.runs[0].kind, 'live');
      assert.equal(w.runs[0].counts?.fetched, w.blobs);
    }
    const blobs = windows.reduce((n, w) => n + w.blobs, 0);
    assert.equal(blobs, p.stack.sim!.groundTruth(origin, nextStart).contentBlobs);
  });

  it('a rewind of the processed range re-fetches every blob, adds no row and shows in the ledger', async () => {
    const before = await p.tableIds();
    const from = origin + HOUR;
    const to = origin + 3 * HOUR;
    const reply = await p.call('POST', '/api/pipeline/rewind', {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    const { instanceId } = reply.body as { instanceId: string };
    await p.driveUntil(p.clock.now());
    const done = (await p.stack.host.waitForStatus(instanceId, ['Completed', 'Failed'], 30_000)) as {
      runtimeStatus: string;
      customStatus: {
        windowsDone: number;
        windowsTotal: number;
        totals: { fetched: number; ingested: number };
      };
    };
    assert.equal(done.runtimeStatus, 'Completed', JSON.stringify(done));
    assert.equal(done.customStatus.windowsDone, 2);
    assert.equal(done.customStatus.windowsTotal, 2);
    assert.equal(done.customStatus.totals.ingested, 0);
    assert.equal(done.customStatus.totals.fetched, p.stack.sim!.groundTruth(from, to).contentBlobs);
    assert.deepEqual(await p.tableIds(), before);
    const windows = await p.windows(from, to);
    assert.deepEqual(
      windows.map((w) => w.runs.map((r) => r.kind)),
      [
        ['live', 'rewind'],
        ['live', 'rewind'],
      ],
    );
  });

  it('a rewind reaching past the live checkpoint does not make the live loop skip those blobs', async () => {
    const checkpoint = Date.parse((await p.status()).checkpoint!.nextStart);
    // The loop sleeps until checkpoint + 1 h + settle; 50 minutes later no timer has fired yet.
    assert.ok(p.clock.nextTimerAt()! > checkpoint + 50 * MINUTE);
    p.clock.advanceTo(checkpoint + 50 * MINUTE);
    const from = checkpoint - HOUR;
    const to = checkpoint + 50 * MINUTE;
    const reply = await p.call('POST', '/api/pipeline/rewind', {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    await p.stack.host.waitForStatus(
      (reply.body as { instanceId: string }).instanceId,
      ['Completed'],
      30_000,
    );
    await p.driveUntil(p.clock.now() + 4 * HOUR);
    const status = await p.status();
    const nextStart = Date.parse(status.checkpoint!.nextStart);
    assert.ok(nextStart >= checkpoint + 3 * HOUR, `live loop went on to ${status.checkpoint!.nextStart}`);
    await p.assertTableIsGroundTruth(origin, nextStart);
  });

  it('refuses bad requests with 4xx and a reason', async () => {
    const now = p.clock.now();
    const iso = (ms: number): string => new Date(ms).toISOString();
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/api/pipeline/rewind', '{"from":', 400, /not valid JSON/],
      ['POST', '/api/pipeline/rewind', { from: iso(now - 2 * HOUR) }, 400, /"to" are required/],
      ['POST', '/api/pipeline/rewind', { from: 'yesterday', to: iso(now - HOUR) }, 400, /ISO 8601/],
      [
        'POST',
        '/api/pipeline/rewind',
        { from: iso(now - HOUR), to: iso(now - 2 * HOUR) },
        400,
        /before "to"/,
      ],
      ['POST', '/api/pipeline/rewind', { from: iso(now - HOUR), to: iso(now + HOUR) }, 400, /future/],
      [
        'POST',
        '/api/pipeline/rewind',
        { from: iso(now - 8 * 24 * HOUR), to: iso(now - HOUR) },
        400,
        /retention/,
      ],
      [
        'POST',
        '/api/pipeline/rewind',
        { from: iso(now - 2 * HOUR), to: iso(now - HOUR), form: 'x' },
        400,
        /Unknown body field "form"/,
      ],
      ['POST', '/api/pipeline/start', { startFrom: iso(now + HOUR) }, 400, /future/],
      ['POST', '/api/pipeline/start', { start: iso(now - HOUR) }, 400, /Unknown body field "start"/],
      ['POST', '/api/pipeline/start', '[1]', 400, /JSON object/],
      ['POST', '/api/pipeline/rewind', { from: 'x'.repeat(70 * 1024) }, 413, /64 KB/],
      ['GET', '/api/pipeline/windows?from=nope', undefined, 400, /ISO 8601/],
      ['GET', `/api/pipeline/windows?from=${iso(now)}&to=${iso(now - HOUR)}`, undefined, 400, /before "to"/],
      ['GET', '/api/pipeline/windows?contentType=Audit.Exchange', undefined, 400, /contentType/],
      ['GET', '/api/pipeline/windows?form=1', undefined, 400, /Unknown query parameter "form"/],
      ['GET', '/api/pipeline/status?verbose=1', undefined, 400, /Unknown query parameter/],
    ];
    for (const [method, path, body, status, reason] of cases) {
      const reply = await p.call(method, path, body);
      const label = `${method} ${path} ${typeof body === 'string' ? body : JSON.stringify(body)}`;
      assert.equal(reply.status, status, `${label} → ${reply.status} ${JSON.stringify(reply.body)}`);
      const message = (reply.body as { error?: unknown }).error;
      assert.equal(typeof message, 'string', `${label}: ${JSON.stringify(reply.body)}`);
      assert.match(message as string, reason, label);
    }
  });

  it('rejects a request without the function key', async () => {
    const res = await fetch(`${p.stack.baseUrl}/api/pipeline/status`);
    await res.text();
    assert.equal(res.status, 401);
  });

  it('stop ends the loop (Completed) and a second stop is a 409', async () => {
    const stop = await p.call('POST', '/api/pipeline/stop');
    assert.equal(stop.status, 202, JSON.stringify(stop.body));
    await p.driveUntil(p.clock.now());
    await p.stack.host.waitForStatus('o365-pipeline', ['Completed'], 20_000);
    const status = await p.status();
    assert.equal(status.runtimeStatus, 'Completed');
    assert.equal(status.loop?.state, 'stopped');
    const again = await p.call('POST', '/api/pipeline/stop');
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.match(JSON.stringify(again.body), /not running/);
  });
});
