/** The stack's pure decisions: which stand-ins start, which settings the app gets, what the console view shows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLag, progressBar, renderStatus } from '../../../local/stack/console-view';
import { firstWindowStart, portHint, queryHint } from '../../../local/stack/main';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  APP_SETTING_NAMES,
  appSettings,
  isolatedAppEnv,
  LOCAL_KUSTO_DATABASE,
  planStandIns,
} from '../../../local/stack/settings';

const sim = {
  apiUrl: 'https://127.0.0.1:8443',
  loginUrl: 'https://127.0.0.1:8443',
  tenantId: 'tenant',
  clientId: 'client',
  clientSecret: 'demo-secret',
};

describe('planStandIns', () => {
  it('starts everything when nothing is set', () => {
    assert.deepEqual(planStandIns({}), { o365Sim: true, kusto: true, azurite: true });
  });
  it('lets each real setting replace its stand-in', () => {
    assert.equal(planStandIns({ O365_API_URL: 'https://manage.office.com' }).o365Sim, false);
    assert.equal(planStandIns({ O365_LOGIN_URL: 'https://login.microsoftonline.com' }).o365Sim, false);
    assert.equal(planStandIns({ O365_CLOUD: 'GCCHigh' }).o365Sim, false);
    assert.equal(planStandIns({ KUSTO_CLUSTER_URL: 'https://c.westeurope.kusto.windows.net' }).kusto, false);
    assert.equal(
      planStandIns({ AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=a' }).azurite,
      false,
    );
  });
  it('treats blank values and the development-storage shorthand as not set', () => {
    assert.deepEqual(planStandIns({ O365_API_URL: '  ', KUSTO_CLUSTER_URL: '' }), {
      o365Sim: true,
      kusto: true,
      azurite: true,
    });
    assert.equal(planStandIns({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }).azurite, true);
  });
});

describe('appSettings', () => {
  it('wires the stand-ins, with streaming ingestion and the local database by default', () => {
    const settings = appSettings(
      {},
      { o365: sim, kustoUrl: 'http://127.0.0.1:8080', storageConnectionString: 'cs' },
    );
    assert.deepEqual(settings, {
      O365_API_URL: sim.apiUrl,
      O365_LOGIN_URL: sim.loginUrl,
      O365_TENANT_ID: 'tenant',
      O365_CLIENT_ID: 'client',
      O365_CLIENT_SECRET: 'demo-secret',
      KUSTO_CLUSTER_URL: 'http://127.0.0.1:8080',
      KUSTO_DATABASE: LOCAL_KUSTO_DATABASE,
      KUSTO_INGESTION_MODE: 'streaming',
      AzureWebJobsStorage: 'cs',
    });
  });
  it("keeps the user's own database and ingestion mode, and sets nothing for replaced stand-ins", () => {
    const settings = appSettings(
      { KUSTO_DATABASE: 'Mine', KUSTO_INGESTION_MODE: 'queued' },
      { kustoUrl: 'http://127.0.0.1:8080' },
    );
    assert.deepEqual(settings, { KUSTO_CLUSTER_URL: 'http://127.0.0.1:8080' });
  });
  it('lets explicit overrides win', () => {
    assert.equal(
      appSettings({}, { kustoUrl: 'http://k' }, { KUSTO_INGESTION_MODE: 'queued' }).KUSTO_INGESTION_MODE,
      'queued',
    );
  });
});

describe('isolatedAppEnv', () => {
  it('knows every setting src/config.ts reads', () => {
    const source = readFileSync(resolve(__dirname, '..', '..', '..', 'src', 'config.ts'), 'utf8');
    const read = new Set(
      [...source.matchAll(/\b(?:get|required|url|int)\(\s*'([A-Za-z0-9_]+)'/g)].map((m) => m[1]!),
    );
    assert.ok(read.size > 20, `found the settings (${read.size})`);
    const known = new Set<string>(APP_SETTING_NAMES);
    assert.deepEqual(
      [...read].filter((name) => !known.has(name)),
      [],
    );
  });
  it("blanks what the given env lacks, keeps what it has, and lets the stack's settings win", () => {
    const env = isolatedAppEnv({ KUSTO_TABLE: 'Mine', PATH: '/bin' }, { KUSTO_DATABASE: 'O365' });
    assert.equal(env.O365_CONTENT_TYPES, '');
    assert.equal(env.KUSTO_TABLE, 'Mine');
    assert.equal(env.KUSTO_DATABASE, 'O365');
    assert.equal(env.PATH, undefined, 'only app settings are touched');
  });
});

describe('console view', () => {
  it('draws a bounded progress bar', () => {
    assert.equal(progressBar(0.5, 10), '[#####-----]  50%');
    assert.equal(progressBar(2, 4), '[####] 100%');
    assert.equal(progressBar(Number.NaN, 4), '[----]   0%');
  });
  it('formats lag in minutes, then hours', () => {
    assert.equal(formatLag(null), 'n/a');
    assert.equal(formatLag(61), '61 min');
    assert.equal(formatLag(180), '3.0 h');
  });
  it('shows progress while catching up and the counts from status', () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const lines = renderStatus(
      {
        runtimeStatus: 'Running',
        loop: {
          state: 'processing',
          checkpoint: '2026-01-02T00:00:00Z',
          lagMinutes: 24 * 60,
          windowsDone: 24,
          pendingAlerts: 3,
          totals: { recordsSeen: 1000, selectedRows: 40, released: 7, ingested: 47 },
        },
      },
      start + 48 * 3_600_000,
      start,
      60,
    );
    assert.equal(lines[0], 'pipeline Running (processing)');
    assert.match(lines[1]!, /catching up \[#{15}-{15}\] {2}50%/);
    assert.match(
      lines[2]!,
      /windows done 24 \| records seen 1000 \| selected 40 \| alerts released 7 \| rows ingested 47 \| alerts pending 3 \| lag 24.0 h/,
    );
  });
  it('says so once caught up, and shows the last failure', () => {
    const lines = renderStatus(
      {
        runtimeStatus: 'Running',
        loop: {
          state: 'waiting',
          checkpoint: '2026-01-02T00:00:00Z',
          lagMinutes: 65,
          recentFailures: [{ window: 'w1', error: 'boom' }],
        },
      },
      Date.parse('2026-01-02T01:05:00Z'),
      Date.parse('2026-01-01T00:00:00Z'),
      60,
    );
    assert.equal(lines[1], 'caught up: waiting for the next window');
    assert.equal(lines.at(-1), 'last failure (window w1): boom');
  });
});

describe('portHint', () => {
  it('names the setting that moves a taken default port', () => {
    assert.match(portHint('listen EADDRINUSE: address already in use 127.0.0.1:7071'), /set LOCAL_HOST_PORT/);
    assert.match(portHint('listen EADDRINUSE: address already in use 127.0.0.1:8443'), /set LOCAL_O365_PORT/);
    assert.equal(portHint('listen EADDRINUSE: address already in use 127.0.0.1:5555'), '');
    assert.equal(portHint('something else'), '');
  });
});

describe('npm start: first window and query hint', () => {
  const now = Date.parse('2026-03-10T12:34:00Z');
  it('starts from PIPELINE_START_FROM when it is set, else a 48-hour backlog on an hour boundary', () => {
    assert.equal(
      firstWindowStart({ PIPELINE_START_FROM: '2026-03-09T06:00:00Z' }, now),
      Date.parse('2026-03-09T06:00:00Z'),
    );
    assert.equal(
      firstWindowStart({ PIPELINE_START_FROM: '2026-03-09T06:00:00' }, now),
      Date.parse('2026-03-09T06:00:00Z'),
    );
    assert.equal(firstWindowStart({}, now), Date.parse('2026-03-08T12:00:00Z'));
    assert.throws(() => firstWindowStart({ PIPELINE_START_FROM: 'yesterday' }, now), /PIPELINE_START_FROM/);
  });
  it('names the configured table and database in the query hint', () => {
    assert.equal(queryHint({ KUSTO_TABLE: 'SocAlerts' }, {}, '8080'), 'npm run kql -- "SocAlerts | take 10"');
    assert.equal(
      queryHint({}, { KUSTO_TABLE: 'O365SecurityAlerts', KUSTO_DATABASE: 'Soc' }, '9090'),
      'LOCAL_KUSTO_PORT=9090 KUSTO_DATABASE=Soc npm run kql -- "O365SecurityAlerts | take 10"',
    );
    assert.match(
      queryHint({ KUSTO_TABLE: 'T' }, {}, undefined),
      /^KUSTO_CLUSTER_URL=\.\.\. KUSTO_DATABASE=\.\.\. npm run kql -- "T \| take 10"$/,
    );
  });
});
