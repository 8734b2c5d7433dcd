/** Per-stage latency is summarised as nearest-rank percentiles of the run's samples; stages without samples are left out. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyOf, percentiles } from '../../../src/pipeline/telemetry';

describe('percentiles', () => {
  it('gives nearest-rank p50, p95 and max, ignoring values that are not numbers', () => {
    const values = [...Array.from({ length: 100 }, (_, i) => i + 1), Number.NaN];
    assert.deepEqual(percentiles(values), { p50: 50, p95: 95, max: 100 });
    assert.deepEqual(percentiles([7]), { p50: 7, p95: 7, max: 7 });
    assert.equal(percentiles([]), undefined);
  });
});

describe('latencyOf', () => {
  it('measures each stage between the points a run recorded, in seconds', () => {
    const latency = latencyOf({
      creationLagSeconds: [60, 120, 600],
      blobs: [
        { contentCreated: '2026-03-10T10:00:00Z', fetchedAt: '2026-03-10T11:06:00Z' },
        { contentCreated: '2026-03-10T10:30:00Z', fetchedAt: '2026-03-10T11:07:00Z' },
      ],
      listedAt: '2026-03-10T11:05:00Z',
      handedAt: '2026-03-10T11:08:00Z',
      queryableAt: '2026-03-10T11:08:02Z',
    });
    assert.deepEqual(latency.creationToContentCreated, { p50: 120, p95: 600, max: 600 });
    assert.deepEqual(latency.contentCreatedToListed, { p50: 2100, p95: 3900, max: 3900 });
    assert.deepEqual(latency.listedToFetched, { p50: 60, p95: 120, max: 120 });
    assert.deepEqual(latency.fetchedToHanded, { p50: 60, p95: 120, max: 120 });
    assert.deepEqual(latency.handedToQueryable, { p50: 2, p95: 2, max: 2 });
  });
  it('leaves out stages it has no samples for', () => {
    assert.deepEqual(latencyOf({ creationLagSeconds: [], blobs: [] }), {});
    const handedOnly = latencyOf({ creationLagSeconds: [], blobs: [], handedAt: '2026-03-10T11:08:00Z' });
    assert.equal(handedOnly.handedToQueryable, undefined, 'no queryable sample, no stage');
    assert.deepEqual(latencyOf(undefined), {});
  });
});
