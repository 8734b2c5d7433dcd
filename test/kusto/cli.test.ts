/** `npm run kql` and `npm run kusto:setup` end to end: the CLI processes against a local Kusto endpoint. */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startKustoLocal } from '../../local/kusto';
import { KustoSink } from '../../src/kusto';
import { row } from './fixtures/rows';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');

function kql(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cli('src/kusto/cli.ts', url, {}, ...args);
}

async function cli(
  script: string,
  url: string,
  extraEnv: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    KUSTO_CLUSTER_URL: url,
    KUSTO_DATABASE: 'O365',
    KUSTO_TABLE: 'CliT',
    KUSTO_TELEMETRY_TABLE: 'CliRuns',
    ...extraEnv,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('kql and kusto:setup CLIs', { timeout: 300_000 }, () => {
  let dir: string;
  let kusto: Awaited<ReturnType<typeof startKustoLocal>>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kusto-cli-'));
    kusto = await startKustoLocal({ port: 0, stateDir: dir });
    const setup = await cli('src/kusto/setup-cli.ts', kusto.url, { KUSTO_INGESTION_MODE: 'streaming' });
    assert.equal(setup.code, 0, setup.stderr);
    assert.match(setup.stdout, /15 setup command\(s\) applied to O365/);
    const sink = new KustoSink({
      clusterUrl: kusto.url,
      ingestUrl: kusto.url,
      database: 'O365',
      table: 'CliT',
      telemetryTable: 'CliRuns',
      ingestionMode: 'streaming',
    });
    try {
      await sink.verifyTable();
      await sink.ingestRows(
        [
          row({ Id: 'c1', RecordType: 40, Severity: 'High' }),
          row({ Id: 'c2', RecordType: 64, Severity: 'Low' }),
        ],
        'cli-batch',
      );
    } finally {
      await sink.close();
    }
  });
  after(async () => {
    await kusto?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints query rows as a table, and as JSON lines with --json', async () => {
    const table = await kql(kusto.url, 'CliT | where RecordType == 40 | project Id, Severity');
    assert.equal(table.code, 0, table.stderr);
    assert.deepEqual(table.stdout.trimEnd().split('\n'), ['Id  Severity', '--  --------', 'c1  High']);
    assert.match(table.stderr, /1 row\(s\) from http:\/\/127\.0\.0\.1:\d+ \/ O365/);

    const json = await kql(kusto.url, '--json', 'CliT | project Id | order by Id asc');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(
      json.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
      [{ Id: 'c1' }, { Id: 'c2' }],
    );
  });

  it('kusto:setup refuses a batching time under the service minimum, naming the setting', async () => {
    const bad = await cli('src/kusto/setup-cli.ts', kusto.url, { KUSTO_BATCHING_SECONDS: '5' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /KUSTO_BATCHING_SECONDS must be a whole number from 10 to 300, got "5"/);
  });

  it('exits 1 with the service message for a failing query', async () => {
    const bad = await kql(kusto.url, 'NoSuchTable | take 1');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /NoSuchTable/);
  });
});
