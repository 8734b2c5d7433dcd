/** The Kusto settings this part adds to loadConfig: telemetry table name and batching time, with their checks. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config';
import { problemsOf, VALID_SETTINGS as base } from '../harness/config';

describe('Kusto settings', () => {
  it('default to the O365PipelineRuns telemetry table and a 30-second batching time', () => {
    const { kusto } = loadConfig(base);
    assert.equal(kusto.telemetryTable, 'O365PipelineRuns');
    assert.equal(kusto.batchingSeconds, 30);
  });

  it('take KUSTO_TELEMETRY_TABLE and KUSTO_BATCHING_SECONDS when given', () => {
    const { kusto } = loadConfig({ ...base, KUSTO_TELEMETRY_TABLE: 'SocRuns', KUSTO_BATCHING_SECONDS: '10' });
    assert.equal(kusto.telemetryTable, 'SocRuns');
    assert.equal(kusto.batchingSeconds, 10);
  });

  it('refuse a batching time outside 10..300 seconds, naming the setting', () => {
    for (const value of ['9', '301', '30.5', 'soon'])
      assert.ok(
        problemsOf({ ...base, KUSTO_BATCHING_SECONDS: value }).includes(
          `KUSTO_BATCHING_SECONDS must be a whole number from 10 to 300, got "${value}".`,
        ),
        value,
      );
  });

  it('refuse a telemetry table that is not a plain name, or that is the alerts table', () => {
    assert.ok(
      problemsOf({ ...base, KUSTO_TELEMETRY_TABLE: 'Runs; .drop table X' }).some((p) =>
        p.startsWith('KUSTO_TELEMETRY_TABLE must be a plain Kusto table name'),
      ),
    );
    assert.ok(
      problemsOf({ ...base, KUSTO_TABLE: 'Soc', KUSTO_TELEMETRY_TABLE: 'Soc' }).includes(
        'KUSTO_TELEMETRY_TABLE must differ from KUSTO_TABLE (both are "Soc").',
      ),
    );
  });
});
