/**
 * The shipped telemetry functions, created by the setup and run on the local Kusto endpoint over a known set of
 * window runs: each returns the figures the rows imply.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { applyKustoSetup, KustoSink, type KustoSettings, type TelemetryRow } from '../../src/kusto';
import { telemetryFunctionNames } from '../../src/kusto/telemetry-functions';
import { VirtualClock } from '../../local/clock';
import { DB, type Harness, startHarness } from '../harness/kusto-local';
import { telemetryRow } from './fixtures/rows';

/** The endpoint's now: exactly 7 days after 2026-11-20T09:10Z, between the second-hour runs. */
const NOW = '2026-11-27T09:10:00Z';

const T = 'RunsT';
const names = telemetryFunctionNames(T);

/** A run of the live loop of tenant-a over Audit.General that went through, but for `fields`. */
function run(fields: Partial<TelemetryRow>): TelemetryRow {
  return telemetryRow({
    TenantId: 'tenant-a',
    RunId: 'loop-1',
    RunKind: 'live',
    ContentType: 'Audit.General',
    Attempt: 1,
    Outcome: 'done',
    Error: '',
    ParkedBlobs: 0,
    ParkedTotal: 0,
    DataLossBlobs: 0,
    ...fields,
  });
}

/** Four live runs of one tenant over two hours, one of them failed, and a rewind run. */
const RUNS: TelemetryRow[] = [
  run({
    Timestamp: '2026-11-20T08:05:00Z',
    WindowStart: '2026-11-20T07:00:00Z',
    WindowEnd: '2026-11-20T08:00:00Z',
    LagMinutes: 65,
    RecordsSeen: 100,
    SelectedRows: 4,
    Ingested: 4,
  }),
  run({
    Timestamp: '2026-11-20T08:10:00Z',
    WindowStart: '2026-11-20T08:00:00Z',
    WindowEnd: '2026-11-20T09:00:00Z',
    LagMinutes: 70,
    Outcome: 'failed',
    Error: 'Management API answered 503',
    ServerErrors: 3,
    RecordsSeen: 0,
    SelectedRows: 0,
    Ingested: 0,
  }),
  run({
    Timestamp: '2026-11-20T09:05:00Z',
    WindowStart: '2026-11-20T08:00:00Z',
    WindowEnd: '2026-11-20T09:00:00Z',
    Attempt: 2,
    LagMinutes: 5,
    RecordsSeen: 50,
    SelectedRows: 1,
    Ingested: 1,
    ParkedBlobs: 2,
    ParkedTotal: 2,
    HoursToNextParkedExpiry: 160,
  }),
  run({
    Timestamp: '2026-11-20T09:20:00Z',
    WindowStart: '2026-11-20T09:00:00Z',
    WindowEnd: '2026-11-20T09:15:00Z',
    LagMinutes: 20,
    RecordsSeen: 10,
    SelectedRows: 0,
    Ingested: 0,
    ParkedTotal: 1,
    HoursToNextParkedExpiry: 12.5,
    DataLossBlobs: 1,
    Error: 'content blob b-7 expired while parked: 404 without code',
  }),
  run({
    Timestamp: '2026-11-20T09:30:00Z',
    RunKind: 'rewind',
    RunId: 'rewind-1',
    WindowStart: '2026-11-19T00:00:00Z',
    WindowEnd: '2026-11-19T01:00:00Z',
    LagMinutes: 2000,
    RecordsSeen: 7,
    SelectedRows: 2,
    Ingested: 2,
  }),
];

describe('shipped telemetry functions on the local endpoint', { timeout: 300_000 }, () => {
  let h: Harness;
  let sink: KustoSink;

  before(async () => {
    h = await startHarness({ clock: new VirtualClock(NOW) });
    const settings: KustoSettings = {
      clusterUrl: h.kusto.url,
      ingestUrl: h.kusto.url,
      database: DB,
      table: 'AlertsT',
      telemetryTable: T,
      ingestionMode: 'streaming',
    };
    await applyKustoSetup(settings);
    sink = new KustoSink(settings);
    // Telemetry is queued in the product; here the rows are streamed in through the same mapping (no Azurite needed).
    await h.mgmt(`.alter table ${T} policy streamingingestion enable`);
    const res = await fetch(
      `${h.kusto.url}/v1/rest/ingest/${DB}/${T}?streamFormat=multijson&mappingName=${T}_json_mapping`,
      { method: 'POST', body: RUNS.map((r) => JSON.stringify(r)).join('\n') },
    );
    assert.equal(res.status, 200, await res.text());
  });
  after(async () => {
    await sink?.close();
    await h?.close();
  });

  const since = '(30d)';

  /** The named columns of every row a query returns, in order, with datetimes as ISO strings. */
  async function columnsOf(query: string, columns: string[]): Promise<unknown[][]> {
    const rows = await sink.query<Record<string, unknown>>(query);
    return rows.map((r) => columns.map((c) => (r[c] instanceof Date ? (r[c] as Date).toISOString() : r[c])));
  }

  it('Lag: the largest lag of live runs per 15 minutes, oldest first', async () => {
    assert.deepEqual(await columnsOf(`${names.lag}${since}`, ['Timestamp', 'LagMinutes', 'Runs']), [
      ['2026-11-20T08:00:00.000Z', 70, 2],
      ['2026-11-20T09:00:00.000Z', 5, 1],
      ['2026-11-20T09:15:00.000Z', 20, 1],
    ]);
  });

  it('Lag: the default look-back of 7 days leaves out older runs', async () => {
    assert.deepEqual(await columnsOf(`${names.lag}()`, ['Timestamp', 'LagMinutes']), [
      ['2026-11-20T09:15:00.000Z', 20],
    ]);
  });

  it('RowsPerHour: records seen, selected and ingested per hour, rewinds included', async () => {
    assert.deepEqual(
      await columnsOf(`${names.rowsPerHour}${since}`, [
        'Timestamp',
        'RecordsSeen',
        'SelectedRows',
        'Ingested',
      ]),
      [
        ['2026-11-20T08:00:00.000Z', 100, 4, 4],
        ['2026-11-20T09:00:00.000Z', 67, 3, 3],
      ],
    );
  });

  it('Failures: the failed run with its error and server errors', async () => {
    assert.deepEqual(
      await columnsOf(`${names.failures}${since}`, ['WindowStart', 'Attempt', 'Error', 'ServerErrors']),
      [['2026-11-20T08:00:00.000Z', 1, 'Management API answered 503', 3]],
    );
  });

  it('DataLoss: only runs that gave up content', async () => {
    assert.deepEqual(await columnsOf(`${names.dataLoss}${since}`, ['DataLossBlobs', 'Error']), [
      [1, 'content blob b-7 expired while parked: 404 without code'],
    ]);
  });

  it('Parked: set size, newly parked and the nearest expiry per hour', async () => {
    assert.deepEqual(
      await columnsOf(`${names.parked}${since}`, [
        'Timestamp',
        'ParkedTotal',
        'NewlyParked',
        'HoursToNextParkedExpiry',
      ]),
      [
        ['2026-11-20T08:00:00.000Z', 0, 0, null],
        ['2026-11-20T09:00:00.000Z', 2, 2, 12.5],
      ],
    );
  });

  it('Latest: the newest run per tenant, content type and run kind', async () => {
    assert.deepEqual((await columnsOf(`${names.latest}()`, ['RunKind', 'Timestamp', 'LagMinutes'])).sort(), [
      ['live', '2026-11-20T09:20:00.000Z', 20],
      ['rewind', '2026-11-20T09:30:00.000Z', 2000],
    ]);
  });
});
