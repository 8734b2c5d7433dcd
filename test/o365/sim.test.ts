/**
 * The client against the O365 simulator (local/o365-sim): the real ClientSecretCredential over HTTPS, the service's
 * own window, subscription and content rules, and every error code of the reference table through the simulator's
 * scripted answers. Run through `npm test` (NODE_EXTRA_CA_CERTS must trust the local certificate at process start).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../local/clock';
import { type RunningSim, type SimOptions, startO365Sim } from '../../local/o365-sim';
import type { Config } from '../../src/config';
import {
  ContentExpiredError,
  ContentNotFoundError,
  createManagementApiClient,
  FatalApiError,
  InvalidWindowError,
  MalformedContentError,
  type ManagementApiClient,
  type ManagementApiClientOptions,
  parseAuditContent,
  SubscriptionMissingError,
  ThrottledError,
  TransientApiError,
  WindowRejectedError,
} from '../../src/o365';
import { DAY, HOUR, T0 } from '../harness/sim-client';

const needsCa = process.env.NODE_EXTRA_CA_CERTS ? false : 'run through npm test (NODE_EXTRA_CA_CERTS)';

interface Harness {
  sim: RunningSim;
  clock: VirtualClock;
  client: ManagementApiClient;
  /** Another client of the same simulator, e.g. with another clock. */
  newClient(overrides?: Partial<ManagementApiClientOptions>): Promise<ManagementApiClient>;
}

function settings(sim: RunningSim): Config['o365'] {
  return {
    tenantId: sim.tenantId,
    auth: { kind: 'clientSecret', clientId: sim.clientId, clientSecret: sim.clientSecret },
    loginUrl: sim.loginUrl,
    apiUrl: sim.apiUrl,
    contentTypes: ['Audit.General'],
    publisherId: sim.tenantId,
    requestsPerMinute: 2000,
  };
}

/** A simulator on a free port with a virtual clock, and a client built from settings like the app builds it. */
async function withSim(
  options: SimOptions,
  fn: (h: Harness) => Promise<void>,
  clientOptions: Partial<ManagementApiClientOptions> = {},
): Promise<void> {
  const clock = new VirtualClock(T0);
  const sim = await startO365Sim({ port: 0, clock, seed: 7, ...options });
  const newClient = (overrides: Partial<ManagementApiClientOptions> = {}) =>
    createManagementApiClient(
      {
        ...settings(sim),
        requestsPerMinute: overrides.requestsPerMinute ?? clientOptions.requestsPerMinute ?? 2000,
      },
      {
        now: () => clock.now(),
        retry: { baseDelayMs: 5, maxDelayMs: 2_000, timeoutMs: 5_000, maxAttempts: 4 },
        ...clientOptions,
        ...overrides,
      },
    );
  try {
    await fn({ sim, clock, client: await newClient(), newClient });
    assert.equal(sim.counters().missingPublisherIdentifier, 0, 'PublisherIdentifier on every call');
  } finally {
    await sim.close();
  }
}

const lastHours = (clock: VirtualClock, hours: number, endAgoMinutes = 30) => {
  const end = clock.now() - endAgoMinutes * 60_000;
  return { start: new Date(end - hours * HOUR), end: new Date(end) };
};

describe('client against the simulator', { skip: needsCa }, () => {
  it('authenticates with a real ClientSecretCredential, starts the subscription, AF20024 is success', async () => {
    await withSim({}, async ({ sim, client }) => {
      assert.deepEqual(await client.listSubscriptions(), []);
      const first = await client.ensureSubscriptions(['Audit.General']);
      assert.deepEqual(first, { alreadyEnabled: [], started: ['Audit.General'], deferred: [] });
      const second = await client.ensureSubscriptions(['Audit.General']);
      assert.deepEqual(second.alreadyEnabled, ['Audit.General']);
      const again = await client.startSubscription('Audit.General');
      assert.equal(again.status, 'enabled');
      assert.equal(sim.counters().byCode.AF20024, 1);
      assert.ok(sim.counters().requests.token >= 1);
    });
  });

  it('a wrong client secret fails at the token endpoint, before any API call', async () => {
    await withSim({}, async ({ sim }) => {
      const client = await createManagementApiClient({
        ...settings(sim),
        auth: { kind: 'clientSecret', clientId: sim.clientId, clientSecret: 'not-the-secret' },
      });
      await assert.rejects(client.listSubscriptions());
      assert.equal(sim.counters().requests.subscriptions, 0);
    });
  });

  it('AF20022: listing a content type never started starts it and lists', async () => {
    await withSim({}, async ({ sim, client, clock }) => {
      const refs = await client.listContent('Audit.General', lastHours(clock, 2));
      assert.ok(refs.length > 0);
      assert.equal(sim.counters().byCode.AF20022, 1);
      assert.equal(sim.counters().requests.start, 1);
    });
  });

  it('lists a 24-hour window across many pages: every blob once, sorted, as the ground truth counts', async () => {
    await withSim({ pageSize: 5 }, async ({ sim, client, clock }) => {
      await client.startSubscription('Audit.General');
      const w = lastHours(clock, 24, 60);
      const refs = await client.listContent('Audit.General', w);
      const truth = sim.groundTruth(w.start.getTime(), w.end.getTime());
      assert.equal(refs.length, truth.contentBlobs);
      assert.ok(client.stats().pages >= Math.ceil(refs.length / 5), `pages ${client.stats().pages}`);
      assert.equal(new Set(refs.map((r) => r.contentId)).size, refs.length);
      for (let i = 1; i < refs.length; i++) {
        const a = refs[i - 1]!;
        const b = refs[i]!;
        const order =
          Date.parse(a.contentCreated) - Date.parse(b.contentCreated) || (a.contentId < b.contentId ? -1 : 1);
        assert.ok(order < 0, `sorted at ${i}`);
      }
      for (const r of refs) {
        const t = Date.parse(r.contentCreated);
        assert.ok(t >= w.start.getTime() && t < w.end.getTime(), 'contentCreated inside [start, end)');
      }
    });
  });

  it('fetches blobs whose records parse with the typed model', async () => {
    await withSim({}, async ({ client, clock }) => {
      await client.startSubscription('Audit.General');
      const refs = await client.listContent('Audit.General', lastHours(clock, 3));
      const text = await client.fetchContentText(refs[0]!.contentUri);
      const { records, malformed } = parseAuditContent(text);
      assert.equal(malformed.length, 0);
      assert.deepEqual(await client.fetchContent(refs[0]!.contentUri), records);
      assert.ok(records.length > 0);
    });
  });

  it('refuses a 25-hour window and a start 8 days back locally; the service is never asked', async () => {
    await withSim({}, async ({ sim, client, clock }) => {
      const now = clock.now();
      await assert.rejects(
        client.listContent('Audit.General', { start: new Date(now - 26 * HOUR), end: new Date(now - HOUR) }),
        InvalidWindowError,
      );
      await assert.rejects(
        client.listContent('Audit.General', {
          start: new Date(now - 8 * DAY),
          end: new Date(now - 8 * DAY + HOUR),
        }),
        InvalidWindowError,
      );
      assert.equal(sim.counters().requests.list, 0);
    });
  });

  it('a client whose clock lags: AF20055 from the service, skew learned from Date, window clamped, listed', async () => {
    await withSim({}, async ({ sim, clock, client, newClient }) => {
      await client.startSubscription('Audit.General');
      // A client that has not talked to the service yet, its clock two hours behind.
      const lagging = await newClient({ now: () => clock.now() - 2 * HOUR });
      // Inside retention by the lagging clock (7 days minus 1 hour back), an hour outside by the service's.
      const start = clock.now() - 2 * HOUR - 7 * DAY + HOUR;
      const refs = await lagging.listContent('Audit.General', {
        start: new Date(start),
        end: new Date(start + 4 * HOUR),
      });
      const stats = lagging.stats();
      // After learning the skew, the earliest start it offers is the service's edge plus the margin, and accepted.
      const earliest = lagging.earliestWindowStart();
      assert.ok(Math.abs(earliest.getTime() - (clock.now() - 7 * DAY + 30 * 60_000)) < 2_000);
      await lagging.listContent('Audit.General', {
        start: earliest,
        end: new Date(earliest.getTime() + HOUR),
      });
      assert.equal(stats.windowsClamped, 1);
      assert.ok(Math.abs(stats.clockSkewMs - 2 * HOUR) < 2_000, `skew ${stats.clockSkewMs}`);
      assert.equal(sim.counters().byCode.AF20055, 1, 'one rejection, then the skew is known');
      const edge = clock.now() - 7 * DAY;
      for (const r of refs) assert.ok(Date.parse(r.contentCreated) >= edge, 'only content inside retention');
      assert.ok(refs.length > 0);
    });
  });

  it('learns a large skew on its first answer and then validates windows in the service time', async () => {
    // The client runs on the real clock (months after the simulator's virtual one).
    await withSim(
      {},
      async ({ sim, client, clock }) => {
        await client.startSubscription('Audit.General');
        assert.ok(Math.abs(client.stats().clockSkewMs - (clock.now() - Date.now())) < 2_000);
        const refs = await client.listContent('Audit.General', lastHours(clock, 2));
        assert.ok(refs.length > 0);
        assert.equal(sim.counters().byCode.AF20055 ?? 0, 0);
      },
      { now: Date.now },
    );
  });

  it('AF20051: a blob fetched after it expired is a ContentExpiredError; AF20050/AF20052 are ContentNotFoundError', async () => {
    await withSim({}, async ({ client, clock }) => {
      await client.startSubscription('Audit.General');
      const edge = clock.now() - 7 * DAY + 31 * 60_000;
      const refs = await client.listContent('Audit.General', {
        start: new Date(edge),
        end: new Date(edge + HOUR),
      });
      assert.ok(refs.length > 0);
      const oldest = refs[0]!;
      clock.advanceTo(Date.parse(oldest.contentExpiration) + 1_000);
      await assert.rejects(client.fetchContentText(oldest.contentUri), (e: unknown) => {
        assert.ok(e instanceof ContentExpiredError);
        assert.equal(e.code, 'AF20051');
        return true;
      });
      const base = oldest.contentUri.slice(0, oldest.contentUri.lastIndexOf('/') + 1);
      await assert.rejects(
        client.fetchContentText(`${base}20260101000000000000000$1x1$audit_general$Audit_General`),
        (e: unknown) => {
          assert.ok(e instanceof ContentNotFoundError);
          assert.equal(e.code, 'AF20050');
          return true;
        },
      );
      await assert.rejects(client.fetchContentText(`${base}bad`), (e: unknown) => {
        assert.ok(e instanceof ContentNotFoundError);
        assert.equal(e.code, 'AF20052');
        return true;
      });
    });
  });

  it('a malformed blob is a MalformedContentError that keeps the raw text', async () => {
    await withSim({ faults: { malformedBlobRate: 1 } }, async ({ client, clock }) => {
      await client.startSubscription('Audit.General');
      const [first] = await client.listContent('Audit.General', lastHours(clock, 2));
      const raw = await client.fetchContentText(first!.contentUri);
      await assert.rejects(client.fetchContent(first!.contentUri), (e: unknown) => {
        assert.ok(e instanceof MalformedContentError);
        assert.equal(e.text, raw);
        return true;
      });
    });
  });

  it('retries what the reference says to retry, scripted on the service', async () => {
    await withSim({}, async ({ sim, clock, newClient }) => {
      const client = await newClient({
        retry: { baseDelayMs: 1, maxDelayMs: 20, timeoutMs: 5_000, maxAttempts: 9 },
      });
      await client.startSubscription('Audit.General');
      const [blob] = await client.listContent('Audit.General', lastHours(clock, 2));
      const before = client.stats().retries;
      sim.script([
        { match: 'content', status: 429, code: 'AF429' },
        {
          match: 'content',
          status: 403,
          code: 'AF429',
          message: 'Too many requests. Method=GetBlob, PublisherId=x',
        },
        { match: 'content', status: 500, code: 'AF50000' },
        { match: 'content', status: 500, code: 'AF50005' },
        { match: 'content', status: 500, code: 'AF50006' },
        { match: 'content', status: 503 },
        { match: 'content', status: 408 },
        { match: 'content', status: 401 },
      ]);
      // Eight failed attempts in a row, then the blob.
      assert.ok((await client.fetchContentText(blob!.contentUri)).startsWith('['));
      const stats = client.stats();
      assert.equal(stats.retries - before, 8);
      for (const code of ['AF429', 'AF50000', 'AF50005', 'AF50006', '503', '408', '401']) {
        assert.ok((stats.byErrorCode[code] ?? 0) >= 1, `${code} seen: ${JSON.stringify(stats.byErrorCode)}`);
      }
      assert.equal(stats.byErrorCode.AF429, 2);
      assert.equal(stats.throttled, 2);
      assert.equal(stats.tokenRefreshes, 1);
    });
  });

  it('honours the service Retry-After', async () => {
    await withSim({}, async ({ sim, client }) => {
      await client.listSubscriptions();
      sim.script([{ match: 'subscriptions', status: 429, code: 'AF429', headers: { 'Retry-After': '1' } }]);
      const started = Date.now();
      await client.listSubscriptions();
      assert.ok(Date.now() - started >= 990, `waited ${Date.now() - started} ms`);
    });
  });

  it('gives up on a service that keeps timing out with a retryable error', async () => {
    await withSim(
      { faults: { timeoutRate: 1, timeoutMs: 1_000 } },
      async ({ sim, client }) => {
        await assert.rejects(client.listSubscriptions(), (e: unknown) => {
          assert.ok(e instanceof TransientApiError);
          assert.equal(e.code, 'Timeout');
          assert.equal(e.retryable, true);
          return true;
        });
        assert.equal(sim.counters().faultsInjected.timeout, 2);
      },
      { retry: { timeoutMs: 150, maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } },
    );
  });

  it('reacts to every other code of the reference table', async () => {
    await withSim({}, async ({ sim, client, clock }) => {
      await client.startSubscription('Audit.General');
      for (const code of [
        'AF10001',
        'AF20001',
        'AF20002',
        'AF20003',
        'AF20010',
        'AF20011',
        'AF20012',
        'AF20013',
        'AF20020',
      ]) {
        const sent = sim.counters().requests.subscriptions;
        sim.script([
          { match: 'subscriptions', status: code === 'AF10001' || code === 'AF20010' ? 403 : 400, code },
        ]);
        await assert.rejects(
          client.listSubscriptions(),
          (e: unknown) => e instanceof FatalApiError && e.code === code,
        );
        assert.equal(sim.counters().requests.subscriptions, sent + 1, `${code} is not retried`);
      }
      const w = lastHours(clock, 2);
      clock.advance(16 * 60_000); // the start above was an attempt: the next one is allowed 15 minutes later
      // AF20023 (disabled): start again (AF20024, already enabled = success) and list again.
      sim.script([
        { match: 'list', status: 400, code: 'AF20023', message: 'The subscription was disabled by x.' },
      ]);
      assert.ok((await client.listContent('Audit.General', w)).length > 0);
      // ...but not twice within 15 minutes.
      sim.script([{ match: 'list', status: 400, code: 'AF20023' }]);
      await assert.rejects(
        client.listContent('Audit.General', w),
        (e: unknown) => e instanceof SubscriptionMissingError && e.code === 'AF20023' && e.retryable,
      );
      // AF20031: the listing starts over from its first page.
      const lists = sim.counters().requests.list;
      sim.script([{ match: 'list', status: 400, code: 'AF20031' }]);
      assert.ok((await client.listContent('Audit.General', w)).length > 0);
      assert.equal(sim.counters().requests.list, lists + 2);
      // AF20030 for a window that is already inside every rule: nothing to clamp, not retried blindly.
      sim.script([{ match: 'list', status: 400, code: 'AF20030' }]);
      await assert.rejects(client.listContent('Audit.General', w), WindowRejectedError);
      // AF20024 on start: success.
      sim.script([{ match: 'start', status: 400, code: 'AF20024' }]);
      assert.equal((await client.startSubscription('Audit.General')).status, 'enabled');
      // A Retry-After beyond the longest backoff: ThrottledError at once, with the wait for the caller to schedule.
      sim.script([{ match: 'subscriptions', status: 429, code: 'AF429', headers: { 'Retry-After': '120' } }]);
      await assert.rejects(
        client.listSubscriptions(),
        (e: unknown) => e instanceof ThrottledError && e.retryAfterMs === 120_000,
      );
    });
  });

  it('a fan-out within the client budget is paced and never refused by the service budget', async () => {
    await withSim(
      { faults: { requestBudgetPerMinute: 600 } },
      async ({ sim, clock, client }) => {
        await client.startSubscription('Audit.General');
        const refs = await client.listContent('Audit.General', lastHours(clock, 12));
        const uris = Array.from({ length: 40 }, (_, i) => refs[i % refs.length]!.contentUri);
        const started = Date.now();
        await Promise.all(uris.map((u) => client.fetchContentText(u)));
        // 600/min: a burst of 10, then 10 per second.
        assert.ok(Date.now() - started >= 2_500, `paced: ${Date.now() - started} ms`);
        const counters = sim.counters();
        assert.equal(counters.faultsInjected.overBudget, 0);
        assert.equal(counters.throttled, 0);
        assert.ok(client.stats().budgetWaits >= 30, 'the client waited instead');
      },
      { requestsPerMinute: 600 },
    );
  });

  it('the same fan-out without pacing is refused by the service budget (AF429 as 403 on blobs)', async () => {
    await withSim(
      { faults: { requestBudgetPerMinute: 20 } },
      async ({ sim, clock, client }) => {
        await client.startSubscription('Audit.General');
        const refs = await client.listContent('Audit.General', lastHours(clock, 12));
        const results = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) => client.fetchContentText(refs[i % refs.length]!.contentUri)),
        );
        assert.ok(sim.counters().faultsInjected.overBudget > 0);
        assert.ok(sim.counters().byStatus['403']! > 0);
        for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof ThrottledError);
        assert.ok(client.stats().throttled > 0);
      },
      { requestsPerMinute: 100_000 },
    );
  });
});
