/**
 * The status page in a real browser (Debian's chromium, driven by playwright-core) against the whole local stack
 * after hours of simulated windows: it refuses without the function key, loads with it under its own strict
 * Content-Security-Policy without a script error, draws its charts from exactly the figures GET /api/pipeline/windows
 * returns and shows the figures GET /api/pipeline/status returns; given a multi-tenant status with rewinds, parked
 * blobs and data loss (and fields missing) it draws one section per tenant with all of them. The screenshot of the
 * live page is written to .local/dashboard.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HOUR, startPipelineHost, type PipelineHost } from '../../harness/pipeline-host';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = resolve(__dirname, '..', '..', '..', '.local', 'dashboard.png');

interface Run {
  kind?: string;
  status?: string;
  at?: string;
  counts?: Record<string, number>;
}
interface WindowJson {
  windowStart: string;
  windowEnd: string;
  runs: Run[];
}
type Figures = Record<string, (number | null)[][]>;

/** What the page must plot, computed here from the windows JSON on its own. */
function expectedVolume(windows: WindowJson[]): {
  t: number[];
  seen: number[];
  ingested: number[];
  lag: number[];
} {
  const starts = [...new Set(windows.map((w) => Date.parse(w.windowStart)))].sort((a, b) => a - b);
  const seen = starts.map((s) =>
    windows
      .filter((w) => Date.parse(w.windowStart) === s)
      .flatMap((w) => w.runs)
      .reduce((n, r) => n + (r.counts?.recordsSeen ?? 0), 0),
  );
  const ingested = starts.map((s) =>
    windows
      .filter((w) => Date.parse(w.windowStart) === s)
      .flatMap((w) => w.runs)
      .reduce((n, r) => n + (r.counts?.ingested ?? 0), 0),
  );
  const lag = starts.map((s) =>
    Math.max(
      ...windows
        .filter((w) => Date.parse(w.windowStart) === s)
        .flatMap((w) =>
          w.runs
            .filter((r) => r.kind === 'live' && r.status === 'done')
            .map((r) => Math.round((Date.parse(r.at!) - Date.parse(w.windowEnd)) / 60_000)),
        ),
    ),
  );
  return { t: starts.map((s) => s / 1000), seen, ingested, lag };
}

describe('status page in headless Chromium over the local stack', () => {
  let p: PipelineHost;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let pageUrl: string;

  before(async () => {
    // Not skipped when missing: CI (.ci/run) installs it, and a silently skipped browser test proves nothing.
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: install Debian's package (apt-get install -y chromium).`,
    );
    p = await startPipelineHost({ sim: { seed: 5, tenant: { recordsPerHour: 60, recordsPerBlob: 15 } } });
    await p.startLoop(p.t0 - 8 * HOUR);
    await p.driveUntil(p.t0 + HOUR);
    // A rewind of two windows, so the ledger holds windows with a live and a rewind run.
    const rewind = await p.call('POST', '/api/pipeline/rewind', {
      from: new Date(p.t0 - 8 * HOUR).toISOString(),
      to: new Date(p.t0 - 6 * HOUR).toISOString(),
    });
    assert.equal(rewind.status, 202, JSON.stringify(rewind.body));
    await p.driveUntil(p.clock.now());
    const rewound = await p.stack.host.waitForStatus(
      (rewind.body as { instanceId: string }).instanceId,
      ['Completed', 'Failed'],
      30_000,
    );
    assert.equal((rewound as { runtimeStatus: string }).runtimeStatus, 'Completed');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Chromium asks every origin for a favicon; the app serves none, and that 404 is not the page's error.
    await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204, body: '' }));
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    pageUrl = `${p.stack.baseUrl}/api/pipeline/dashboard?code=${encodeURIComponent(p.stack.functionKey)}`;
  });
  after(async () => {
    await browser?.close();
    await p?.dispose();
  });

  it('refuses the page without the function key or with a wrong one (401)', async () => {
    const bare = await page.goto(`${p.stack.baseUrl}/api/pipeline/dashboard`);
    assert.equal(bare?.status(), 401);
    const wrong = await page.goto(`${p.stack.baseUrl}/api/pipeline/dashboard?code=not-the-key`);
    assert.equal(wrong?.status(), 401);
    pageErrors.length = 0;
  });

  it('serves one HTML page with a CSP that allows no other origin and no unhashed script', async () => {
    const reply = await fetch(pageUrl);
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/html/);
    const csp = reply.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'sha256-[^']+' 'sha256-[^']+'(;|$)/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    const html = await reply.text();
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'no external script or stylesheet');
  });

  it('refuses a bad refresh interval or an unknown query parameter with 400 and the reason', async () => {
    const bad = await fetch(`${pageUrl}&refresh=1`);
    assert.equal(bad.status, 400);
    assert.match(
      ((await bad.json()) as { error: string }).error,
      /"refresh" must be a whole number of seconds from 5 to 3600/,
    );
    const unknown = await fetch(`${pageUrl}&refersh=10`);
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { error: string }).error, /Unknown query parameter "refersh"/);
  });

  it('draws the charts with exactly the per-window figures the windows route returns', async () => {
    const response = await page.goto(pageUrl);
    assert.equal(response?.status(), 200);
    await page.waitForSelector('body[data-refreshes="1"]', { timeout: 20_000 });
    assert.deepEqual(pageErrors, []);
    assert.equal(await page.locator('#banner').isHidden(), true, await page.locator('#banner').innerText());

    const windowsReply = await p.call('GET', '/api/pipeline/windows');
    const windows = (windowsReply.body as { windows: WindowJson[] }).windows;
    assert.ok(windows.length >= 6, `hours of windows to chart (${windows.length})`);
    assert.ok(
      windows.some((w) => w.runs.some((r) => r.kind === 'rewind')),
      'the charted range holds rewound windows',
    );
    const want = expectedVolume(windows);
    assert.ok(
      want.seen.some((n) => n > 0),
      'the run saw records',
    );
    const figures = (await page.evaluate(
      () => (globalThis as unknown as { __dashboard: { figures: Figures } }).__dashboard.figures,
    )) as Figures;
    // Charts are keyed by tenant id (the single tenant here).
    const statusReply = await p.call('GET', '/api/pipeline/status');
    const tenant = (statusReply.body as { tenants: { tenantId: string }[] }).tenants[0].tenantId;
    assert.deepEqual(figures[`${tenant}:volume`], [want.t, want.seen, want.ingested]);
    assert.deepEqual(figures[`${tenant}:lag`], [want.t, want.lag]);
    assert.deepEqual(figures[`${tenant}:faults`][0], want.t);
    assert.deepEqual(
      figures[`${tenant}:faults`][3],
      want.t.map(() => 0),
      'no failed runs',
    );
    // Every chart is drawn: a canvas with a size, its empty-state note hidden.
    for (const id of ['volume', 'lag', 'faults', 'backlog']) {
      const chart = page.locator(`[data-chart="${id}"]`);
      const box = await chart.locator('canvas').boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, `${id} canvas ${JSON.stringify(box)}`);
      assert.equal(await chart.locator('.empty').isHidden(), true, `${id} has data`);
    }
  });

  it('shows the checkpoint, windows done, totals and the recent windows the status route returns', async () => {
    const status = (await p.status()) as unknown as {
      loop: {
        checkpoint: string;
        windowsDone: number;
        totals: Record<string, number>;
        pendingAlerts: number;
      };
      faults: { serverErrors: number };
      recentWindows: { lastRun?: { latency?: Record<string, { p95: number }> } }[];
    };
    const field = (name: string) => page.locator(`[data-field="${name}"]`).innerText();
    const number = async (name: string) => Number((await field(name)).replace(/,/g, ''));
    assert.equal(await field('checkpoint'), status.loop.checkpoint);
    assert.equal(await number('windowsDone'), status.loop.windowsDone);
    assert.equal(await number('ingested'), status.loop.totals.ingested);
    assert.equal(await number('recordsSeen'), status.loop.totals.recordsSeen);
    assert.equal(await number('pendingAlerts'), status.loop.pendingAlerts);
    assert.equal(await number('serverErrors'), status.faults.serverErrors);
    assert.equal(await field('state'), 'waiting');
    assert.ok(status.loop.totals.ingested > 0, 'rows were ingested');
    assert.equal(
      await page.locator('[data-table="recentWindows"] tbody tr').count(),
      status.recentWindows.length,
    );
    // The latency tile shows the last measured window's p95 per stage, down to handed → queryable.
    const measured = status.recentWindows.filter((w) => Object.keys(w.lastRun?.latency ?? {}).length > 0);
    assert.ok(
      measured.some((w) => w.lastRun!.latency!.handedToQueryable),
      'a recent window measured handed → queryable',
    );
    const latency = measured[measured.length - 1].lastRun!.latency!;
    const shown = (stage: string) => {
      const v = latency[stage]?.p95;
      return v === undefined ? '\u2014' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US');
    };
    assert.equal(
      await field('latency'),
      `created\u2192blob ${shown('creationToContentCreated')} \u2192listed ${shown('contentCreatedToListed')} ` +
        `\u2192fetched ${shown('listedToFetched')} \u2192handed ${shown('fetchedToHanded')} ` +
        `\u2192queryable ${shown('handedToQueryable')}`,
    );
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(existsSync(SCREENSHOT));
  });

  it('draws one section per tenant with rewinds, parked blobs and data loss, tolerating missing fields', async () => {
    const tenants = [
      {
        tenantId: 'contoso-id',
        tenantName: 'Contoso',
        runtimeStatus: 'Running',
        loop: {
          state: 'processing',
          checkpoint: '2026-01-02T03:00:00.000Z',
          lagMinutes: 75,
          windowsDone: 12,
        },
        rewinds: [
          {
            instanceId: 'rewind-1',
            runtimeStatus: 'Running',
            from: '2026-01-01T00:00:00Z',
            to: '2026-01-01T06:00:00Z',
            state: 'processing',
            windowsDone: 2,
            windowsTotal: 6,
          },
        ],
        parked: {
          count: 1,
          hoursToNextExpiry: 20.5,
          blobs: [
            {
              contentType: 'Audit.General',
              contentId: 'blob-a',
              attempts: 3,
              lastError: 'fetch answered 500',
            },
          ],
        },
        dataLoss: [{ from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z', reason: 'expired' }],
      },
      { tenantId: 'fabrikam-id', loop: null, parked: null, faults: null },
    ];
    await page.route('**/api/pipeline/status?*', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ tenants }) }),
    );
    // Partial ledger entries: a bad start, runs without counts, one run with only some counters.
    const partialWindows = [
      { windowStart: 'not a time' },
      {
        tenantId: 'contoso-id',
        windowStart: '2026-01-02T01:00:00Z',
        runs: [
          {},
          { counts: null },
          { kind: 'live', status: 'failed', counts: { ingested: 4, throttled: 2 } },
        ],
      },
    ];
    await page.route('**/api/pipeline/windows?*', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ windows: partialWindows }),
      }),
    );
    try {
      pageErrors.length = 0;
      await page.goto(pageUrl);
      await page.waitForSelector('body[data-refreshes="1"]', { timeout: 20_000 });
      assert.deepEqual(pageErrors, []);
      assert.equal(await page.locator('section.tenant').count(), 2);
      const contoso = page.locator('section[data-tenant="contoso-id"]');
      assert.match(await contoso.locator('h2').innerText(), /Contoso/);
      assert.equal(await contoso.locator('[data-field="lagMinutes"]').innerText(), '75');
      assert.match(
        await contoso.locator('[data-field="parked"]').innerText(),
        /^1 \(next expiry in 20\.5 h\)$/,
      );
      const rewind = contoso.locator('[data-table="rewinds"] tbody tr');
      assert.equal(await rewind.count(), 1);
      assert.match(await rewind.innerText(), /rewind-1[\s\S]*2 \/ 6/);
      assert.equal(await rewind.locator('progress').getAttribute('value'), '2');
      assert.match(
        await contoso.locator('[data-table="parked"]').innerText(),
        /blob-a[\s\S]*fetch answered 500/,
      );
      assert.match(await contoso.locator('[data-table="dataLoss"]').innerText(), /expired/);
      assert.match(await contoso.locator('[data-table="errors"]').innerText(), /fetch answered 500/);
      const fabrikam = page.locator('section[data-tenant="fabrikam-id"]');
      assert.equal(await fabrikam.locator('[data-field="checkpoint"]').innerText(), '\u2014');
      const figures = (await page.evaluate(
        () => (globalThis as unknown as { __dashboard: { figures: Figures } }).__dashboard.figures,
      )) as Figures;
      const t = Date.parse('2026-01-02T01:00:00Z') / 1000;
      assert.deepEqual(figures['contoso-id:volume'], [[t], [null], [4]]);
      assert.deepEqual(figures['contoso-id:faults'], [[t], [2], [null], [1]]);
      assert.deepEqual(
        figures['fabrikam-id:volume'],
        [[], [], []],
        'windows of another tenant are not drawn',
      );
    } finally {
      await page.unroute('**/api/pipeline/status?*');
      await page.unroute('**/api/pipeline/windows?*');
    }
  });
});
