import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSimArgs } from '../../../local/o365-sim/cli-args';

const NOW = Date.parse('2026-06-10T12:34:00Z');

describe('o365-sim command-line flags', () => {
  it('maps volume and fault flags onto SimOptions', () => {
    const o = parseSimArgs(
      [
        '--port',
        '0',
        '--seed',
        '9',
        '--records-per-hour',
        '5000',
        '--records-per-blob',
        '250',
        '--backlog-days',
        '7',
        '--latency',
        '100-300',
        '--throttle-rate',
        '0.05',
        '--no-blob-403',
        '--budget',
        '2000',
        '--malformed-rate',
        '0.01',
        '--late-listing-rate',
        '0.1',
        '--late-listing-minutes',
        '30',
        '--page-size',
        '50',
      ],
      NOW,
    );
    assert.equal(o.port, 0);
    assert.equal(o.seed, 9);
    assert.equal(o.pageSize, 50);
    assert.equal(o.tenant?.recordsPerHour, 5000);
    assert.equal(o.tenant?.recordsPerBlob, 250);
    assert.equal(o.tenant?.contentStartMs, Date.parse('2026-06-03T12:00:00Z'));
    assert.deepEqual(o.faults?.latencyMs, { min: 100, max: 300 });
    assert.equal(o.faults?.throttleRate, 0.05);
    assert.equal(o.faults?.blobThrottleAs403, false);
    assert.equal(o.faults?.requestBudgetPerMinute, 2000);
    assert.equal(o.faults?.malformedBlobRate, 0.01);
    assert.equal(o.faults?.lateListingMinutes, 30);
    assert.equal(o.help, false);
  });

  it('rejects unknown flags and non-numbers', () => {
    assert.throws(() => parseSimArgs(['--frobnicate'], NOW));
    assert.throws(() => parseSimArgs(['--seed', 'abc'], NOW), /--seed needs a number/);
    assert.throws(() => parseSimArgs(['--latency', 'fast'], NOW), /--latency needs MIN-MAX/);
  });
});
