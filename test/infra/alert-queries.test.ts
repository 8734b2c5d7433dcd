/**
 * The alert rules' queries (infra/alerts/*.kql) run against the local Kusto endpoint over sample telemetry rows:
 * each fires on a bad sample and stays silent on a good one. On Azure the same text runs with __TABLE__ replaced by
 * `adx('<cluster>/<db>').<table>` (infra/modules/alerts.bicep); here it is a local table holding the sample.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DataFormat, IngestionProperties, StreamingIngestClient } from 'azure-kusto-ingest';
import { TELEMETRY_COLUMNS } from '../../src/kusto/telemetry-schema';
import { DB, type Harness, startHarness } from '../harness/kusto-local';

const ROOT = path.join(__dirname, '..', '..');
const ALERTS = path.join(ROOT, 'infra', 'alerts');

/** The telemetry table's columns (one row per window run), as the pipeline's setup declares them. */
const TELEMETRY_COLUMN_LIST = TELEMETRY_COLUMNS.map((c) => `${c.name}:${c.type}`).join(', ');

/** Thresholds as a deployment with default parameters and 60-minute windows sets them. */
const THRESHOLDS: Record<string, string> = {
  __LAG_WINDOWS__: '3',
  __WINDOW_MINUTES__: '60',
  __FAILURES__: '3',
  __EXPIRY_HOURS__: '24',
  __LOOKBACK_MINUTES__: '15',
};

const RULES = ['lag', 'failing-window', 'parked-expiry', 'data-loss'] as const;
type Rule = (typeof RULES)[number];

function ruleQuery(rule: Rule, table: string): string {
  let text = readFileSync(path.join(ALERTS, `${rule}.kql`), 'utf8')
    .split('__TABLE__')
    .join(table);
  for (const [placeholder, value] of Object.entries(THRESHOLDS)) text = text.split(placeholder).join(value);
  assert.doesNotMatch(text, /__[A-Z_]+__/, `${rule}.kql has no placeholder left`);
  return text;
}

type Row = Record<string, unknown>;
/**
 * One "now" for every sample: rows of one window must carry the same WindowStart and WindowEnd to the millisecond
 * (the rules group by them), which a clock read per row does not give when a millisecond passes between rows.
 */
const NOW = Date.now();
const minutesAgo = (m: number): string => new Date(NOW - m * 60_000).toISOString();

/** A healthy live run that ended five minutes ago: its window ended 15 minutes ago, nothing parked or lost. */
function run(overrides: Row = {}): Row {
  return {
    Timestamp: minutesAgo(5),
    TenantId: '11111111-1111-1111-1111-111111111111',
    TenantName: 'Contoso',
    RunId: 'o365-pipeline',
    RunKind: 'live',
    ContentType: 'Audit.General',
    WindowStart: minutesAgo(75),
    WindowEnd: minutesAgo(15),
    Attempt: 1,
    Outcome: 'done',
    Error: '',
    DurationSeconds: 12.5,
    LagMinutes: 20,
    Listed: 4,
    Fetched: 4,
    RecordsSeen: 900,
    SelectedRows: 3,
    Released: 3,
    PendingAlerts: 0,
    Ingested: 3,
    DuplicateRecords: 0,
    MalformedBlobs: 0,
    MalformedRecords: 0,
    ParkedBlobs: 0,
    ParkedTotal: 0,
    HoursToNextParkedExpiry: null,
    DataLossBlobs: 0,
    Throttled: 0,
    ServerErrors: 0,
    Counts: { listed: 4, fetched: 4 },
    StageSeconds: { list: 1, fetch: 5 },
    Latency: {},
    ...overrides,
  };
}

/** A window of the same tenant `hoursBack` hours before now, one hour long. */
function window(hoursBack: number): Row {
  return { WindowStart: minutesAgo(hoursBack * 60 + 60), WindowEnd: minutesAgo(hoursBack * 60) };
}

const failed = (overrides: Row = {}): Row =>
  run({ Outcome: 'failed', Error: 'HTTP 500 from the Management Activity API', ...overrides });

/** Per rule: samples that must fire and samples that must stay silent. */
const SAMPLES: Record<Rule, { bad: Record<string, Row[]>; good: Record<string, Row[]> }> = {
  lag: {
    bad: {
      'the loop stopped writing five hours ago': [run({ Timestamp: minutesAgo(300), ...window(5) })],
      'the loop keeps failing the window after a checkpoint four hours old': [
        run({ Timestamp: minutesAgo(230), ...window(4) }),
        failed({ Timestamp: minutesAgo(10), WindowStart: minutesAgo(240), WindowEnd: minutesAgo(180) }),
      ],
    },
    good: {
      'the newest window ended 15 minutes ago': [run({ Timestamp: minutesAgo(400), ...window(6) }), run()],
      'only a rewind is far behind': [run(), run({ RunKind: 'rewind', RunId: 'rewind-1', ...window(48) })],
    },
  },
  'failing-window': {
    bad: {
      'one window failed three times': [
        failed({ Attempt: 1, Timestamp: minutesAgo(40) }),
        failed({ Attempt: 2, Timestamp: minutesAgo(25) }),
        failed({ Attempt: 3, Timestamp: minutesAgo(10) }),
      ],
    },
    good: {
      'the window failed three times and then completed': [
        failed({ Attempt: 1, Timestamp: minutesAgo(40) }),
        failed({ Attempt: 2, Timestamp: minutesAgo(25) }),
        failed({ Attempt: 3, Timestamp: minutesAgo(10) }),
        run({ Attempt: 4 }),
      ],
      'three failures spread over two windows': [
        failed({ ...window(2) }),
        failed({ ...window(2) }),
        failed(),
      ],
      'three failures of the window more than a day ago': [
        failed({ Timestamp: minutesAgo(26 * 60), ...window(27) }),
        failed({ Timestamp: minutesAgo(25 * 60 + 30), ...window(27) }),
        failed({ Timestamp: minutesAgo(25 * 60), ...window(27) }),
      ],
    },
  },
  'parked-expiry': {
    bad: {
      'a blob parked with 30 hours left, seven hours ago': [
        run({ Timestamp: minutesAgo(7 * 60), ParkedBlobs: 2, ParkedTotal: 2, HoursToNextParkedExpiry: 30 }),
      ],
      'a blob parked with 5 hours left': [
        run({ ParkedBlobs: 1, ParkedTotal: 1, HoursToNextParkedExpiry: 5 }),
      ],
    },
    good: {
      'a blob parked with 30 hours left, just now': [run({ ParkedTotal: 2, HoursToNextParkedExpiry: 30 })],
      'the blob near expiry was fetched by the next run': [
        run({ Timestamp: minutesAgo(65), ParkedTotal: 1, HoursToNextParkedExpiry: 3 }),
        run({ ParkedTotal: 0, HoursToNextParkedExpiry: null }),
      ],
    },
  },
  'data-loss': {
    bad: {
      'a run recorded an expired blob': [run({ DataLossBlobs: 1, Counts: { dataLossBlobs: 1 } })],
      'a run recorded a range it can no longer list': [run({ Counts: { dataLossRanges: 1 } })],
    },
    good: {
      'runs without loss': [run(), run({ ...window(1), Counts: { dataLossRanges: 0 } })],
    },
  },
};

describe('alert rule queries on the local Kusto endpoint', { timeout: 120_000 }, () => {
  let h: Harness;
  let ingest: StreamingIngestClient;
  let tables = 0;

  /** A fresh telemetry table holding `rows`, ingested the way rows arrive (so ingestion_time() is set). */
  async function tableWith(rows: Row[]): Promise<string> {
    const table = `Runs${++tables}`;
    await h.mgmt(`.create-merge table ${table} (${TELEMETRY_COLUMN_LIST})`);
    await h.mgmt(`.alter table ${table} policy streamingingestion enable`);
    const props = new IngestionProperties({ database: DB, table, format: DataFormat.MULTIJSON });
    await ingest.ingestFromStream(Readable.from([Buffer.from(JSON.stringify(rows))]), props);
    assert.equal((await h.query(`${table} | count`))[0]!.Count, rows.length, 'every sample row landed');
    return table;
  }

  before(async () => {
    h = await startHarness();
    ingest = new StreamingIngestClient(h.kcsb());
  });
  after(async () => {
    ingest?.close();
    await h?.close();
  });

  for (const rule of RULES) {
    for (const [story, rows] of Object.entries(SAMPLES[rule].bad)) {
      it(`${rule} fires: ${story}`, async () => {
        const result = await h.query(ruleQuery(rule, await tableWith(rows)));
        assert.equal(result.length, 1, JSON.stringify(result));
        assert.equal(result[0]!.TenantId, rows[0]!.TenantId, 'the alert names the tenant');
        assert.equal(result[0]!.ContentType, 'Audit.General', 'and the content type');
      });
    }
    for (const [story, rows] of Object.entries(SAMPLES[rule].good)) {
      it(`${rule} stays silent: ${story}`, async () => {
        assert.deepEqual(await h.query(ruleQuery(rule, await tableWith(rows))), []);
      });
    }
  }
});

describe('infra/modules/alerts.bicep', () => {
  const bicep = readFileSync(path.join(ROOT, 'infra', 'modules', 'alerts.bicep'), 'utf8');

  it('loads every shipped query and replaces every placeholder each one holds', () => {
    const shipped = readdirSync(ALERTS).filter((f) => f.endsWith('.kql'));
    assert.deepEqual(shipped.sort(), RULES.map((r) => `${r}.kql`).sort());
    for (const file of shipped) {
      assert.ok(bicep.includes(`loadTextContent('../alerts/${file}')`), `alerts.bicep loads ${file}`);
      const placeholders = new Set(readFileSync(path.join(ALERTS, file), 'utf8').match(/__[A-Z_]+__/g));
      assert.ok(placeholders.has('__TABLE__'), `${file} reads the table through __TABLE__`);
      for (const p of placeholders) {
        assert.ok(bicep.includes(`'${p}'`), `alerts.bicep replaces ${p}`);
        assert.ok(p in THRESHOLDS || p === '__TABLE__', `this test gives ${p} a value`);
      }
    }
  });

  it('reads the table through adx() and runs the rules as an identity with Viewer on the database', () => {
    assert.match(bicep, /adx\(\\'\$\{kustoClusterUri\}\/\$\{kustoDatabase\}\\'\)\.\$\{telemetryTable\}/);
    assert.match(bicep, /type: 'UserAssigned'/);
    const grant = readFileSync(path.join(ALERTS, 'database-viewer.bicep'), 'utf8');
    assert.match(grant, /role: 'Viewer'/);
  });
});
