/**
 * Inputs that start work are checked twice: the rewind route takes only the content types the deployment collects,
 * each once, and the tenant it names; the loop and rewind orchestrators refuse inputs that would run away, whoever
 * started them (the Durable management API does not go through our routes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpRequest } from '@azure/functions';
import { loadConfig } from '../../../src/config';
import { BadRequest } from '../../../src/functions/http';
import { parseRewindBody } from '../../../src/functions/requests';
import { validateLoopInput, validateRewindInput, MAX_REWIND_WINDOWS } from '../../../orchestrators/validate';

const TENANT_A = '0f6b9f5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b';
const TENANT_B = '7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d';
const NOW = Date.parse('2026-03-10T12:00:00Z');

function config(tenants: string) {
  return loadConfig({
    O365_TENANT_ID: tenants,
    O365_CLIENT_ID: '11111111-2222-4333-8444-555555555555',
    O365_CLIENT_SECRET: 'unit-test-secret',
    O365_CONTENT_TYPES: 'Audit.General,Audit.Exchange',
    KUSTO_CLUSTER_URL: 'http://127.0.0.1:8080',
    KUSTO_DATABASE: 'O365',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  });
}

const rewind = (body: unknown): HttpRequest =>
  new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1/api/pipeline/rewind',
    body: { string: JSON.stringify(body) },
  });

const range = { from: '2026-03-09T00:00:00Z', to: '2026-03-09T06:00:00Z' };

async function refused(action: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(action, (e: unknown) => {
    assert.ok(e instanceof BadRequest, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

describe('the rewind route', () => {
  it('takes only configured content types, each once', async () => {
    const one = config(TENANT_A);
    const parsed = await parseRewindBody(
      rewind({ ...range, contentTypes: ['Audit.Exchange', 'Audit.Exchange'] }),
      NOW,
      one,
    );
    assert.deepEqual(parsed.contentTypes, ['Audit.Exchange']);
    await refused(
      parseRewindBody(rewind({ ...range, contentTypes: ['DLP.All'] }), NOW, one),
      /DLP\.All.*not configured.*O365_CONTENT_TYPES/,
    );
    await refused(
      parseRewindBody(rewind({ ...range, contentTypes: ['Audit.Nope'] }), NOW, one),
      /not a content type/,
    );
  });

  it('asks which tenant when there are several, and accepts one by id or name', async () => {
    const two = config(`${TENANT_A},${TENANT_B}`);
    await refused(parseRewindBody(rewind(range), NOW, two), /Several tenants.*"tenant"/);
    const parsed = await parseRewindBody(rewind({ ...range, tenant: TENANT_B }), NOW, two);
    assert.equal(parsed.tenant.tenantId, TENANT_B);
    await refused(parseRewindBody(rewind({ ...range, tenant: 'nobody' }), NOW, two), /configured tenant/);
  });
});

describe('orchestrator input checks', () => {
  const settings = {
    contentTypes: ['Audit.General'],
    windowMinutes: 60,
    settleMinutes: 5,
    relistOverlapMinutes: 120,
    holdHours: 72,
  };
  it('accept the inputs the routes build', () => {
    assert.equal(validateLoopInput({ loopId: 'o365-pipeline', settings }).loopId, 'o365-pipeline');
    const r = validateRewindInput({
      ...range,
      contentTypes: ['Audit.General'],
      windowMinutes: 60,
      holdHours: 72,
    });
    assert.equal(r.toMs - r.fromMs, 6 * 3_600_000);
  });
  it('refuse a loop input that would run away or list nothing', () => {
    assert.throws(
      () => validateLoopInput({ loopId: 'x', settings: { ...settings, windowMinutes: 0.01 } }),
      /windowMinutes/,
    );
    assert.throws(
      () => validateLoopInput({ loopId: 'x', settings: { ...settings, contentTypes: [] } }),
      /contentTypes/,
    );
    assert.throws(
      () =>
        validateLoopInput({
          loopId: 'x',
          settings: { ...settings, contentTypes: ['Audit.General', 'Audit.General'] },
        }),
      /distinct/,
    );
  });
  it('refuse a rewind of more windows than 7 days of one-minute windows, or a reversed range', () => {
    const base = { contentTypes: ['Audit.General'], windowMinutes: 1, holdHours: 72 };
    assert.throws(
      () => validateRewindInput({ ...base, from: '2026-03-01T00:00:00Z', to: '2026-03-20T00:00:00Z' }),
      /at most the API retention/,
    );
    assert.throws(() => validateRewindInput({ ...base, from: range.to, to: range.from }), /before "to"/);
    assert.equal(MAX_REWIND_WINDOWS, 7 * 24 * 60);
  });
});
