/** What the deployer's setup sends, in which order, and how it reports a refused command (injected client). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  applyKustoSetup,
  KustoRequestError,
  kustoSetupCommands,
  type KustoSettings,
  TELEMETRY_COLUMNS,
} from '../../src/kusto';
import { telemetryFunctionNames } from '../../src/kusto/telemetry-functions';

const settings = (over: Partial<KustoSettings> = {}): KustoSettings => ({
  clusterUrl: 'https://example.westeurope.kusto.windows.net',
  ingestUrl: 'https://ingest-example.westeurope.kusto.windows.net',
  database: 'O365',
  table: 'Alerts',
  ingestionMode: 'queued',
  ...over,
});

const head = (command: string): string => command.split(' (')[0]!.split(" '")[0]!;

describe('kustoSetupCommands', () => {
  it('creates both tables and mappings, sets the batching policy of both, then the functions', () => {
    const commands = kustoSetupCommands(settings());
    assert.deepEqual(commands.slice(0, 6).map(head), [
      '.create-merge table Alerts',
      '.create-or-alter table Alerts ingestion json mapping',
      '.alter table Alerts policy ingestionbatching',
      '.create-merge table O365PipelineRuns',
      '.create-or-alter table O365PipelineRuns ingestion json mapping',
      '.alter table O365PipelineRuns policy ingestionbatching',
    ]);
    const functions = commands.slice(6);
    assert.ok(functions.every((c) => c.startsWith('.create-or-alter function ')));
    for (const name of Object.values(telemetryFunctionNames('O365PipelineRuns')))
      assert.equal(functions.filter((c) => c.includes(` ${name}(`)).length, 1, name);
    assert.ok(functions.some((c) => c.includes(' AlertsLatestInvestigations()')));
    assert.ok(!commands.some((c) => c.includes('streamingingestion')), 'no streaming policy in queued mode');
  });

  it('the telemetry table carries every contract column with its type', () => {
    const create = kustoSetupCommands(settings()).find((c) =>
      c.startsWith('.create-merge table O365PipelineRuns '),
    )!;
    const declared = /\(([^)]*)\)/.exec(create)![1]!;
    assert.equal(declared, TELEMETRY_COLUMNS.map((c) => `${c.name}:${c.type}`).join(', '));
    assert.match(
      declared,
      /^Timestamp:datetime, TenantId:string, TenantName:string, RunId:string, RunKind:string, ContentType:string, WindowStart:datetime, WindowEnd:datetime, Attempt:int, Outcome:string, Error:string, DurationSeconds:real, LagMinutes:real, /,
    );
    assert.match(
      declared,
      /HoursToNextParkedExpiry:real, DataLossBlobs:long, Throttled:long, ServerErrors:long, Counts:dynamic, StageSeconds:dynamic, Latency:dynamic$/,
    );
  });

  it('writes the batching time from the settings (default 30 s) into both policies', () => {
    const policies = (s: KustoSettings): string[] =>
      kustoSetupCommands(s)
        .filter((c) => c.includes('policy ingestionbatching'))
        .map((c) => /'(.*)'$/.exec(c)![1]!);
    for (const policy of policies(settings()))
      assert.deepEqual(JSON.parse(policy), {
        MaximumBatchingTimeSpan: '00:00:30',
        MaximumNumberOfItems: 500,
        MaximumRawDataSizeMB: 1024,
      });
    const custom = policies(settings({ batchingSeconds: 90, telemetryTable: 'Runs' }));
    assert.equal(custom.length, 2);
    for (const policy of custom)
      assert.equal(
        (JSON.parse(policy) as { MaximumBatchingTimeSpan: string }).MaximumBatchingTimeSpan,
        '00:01:30',
      );
  });

  it('enables streaming on the alerts table only, in streaming mode', () => {
    const streaming = kustoSetupCommands(settings({ ingestionMode: 'streaming' })).filter((c) =>
      c.includes('streamingingestion'),
    );
    assert.deepEqual(streaming, ['.alter table Alerts policy streamingingestion enable']);
  });

  it('refuses a telemetry table named like the alerts table, and a batching time under 10 s', () => {
    assert.throws(() => kustoSetupCommands(settings({ telemetryTable: 'Alerts' })), /must differ/);
    assert.throws(() => kustoSetupCommands(settings({ batchingSeconds: 5 })), /at least 10/);
  });
});

describe('applyKustoSetup with an injected client', () => {
  it('sends every command in order to the settings database and returns how many it applied', async () => {
    const sent: [string, string][] = [];
    const result = await applyKustoSetup(settings(), {
      client: {
        executeMgmt: (database: string, command: string) => {
          sent.push([database, command]);
          return Promise.resolve({});
        },
      },
    });
    assert.deepEqual(
      sent,
      kustoSetupCommands(settings()).map((c) => ['O365', c]),
    );
    assert.equal(result.applied, sent.length);
  });

  it('stops at a failing command and names it with the service error', async () => {
    let calls = 0;
    const failing = {
      executeMgmt: () => {
        calls++;
        if (calls < 3) return Promise.resolve({});
        return Promise.reject(
          Object.assign(new Error('Request failed with status code 400'), {
            response: {
              status: 400,
              data: { error: { code: 'BadRequest', '@message': 'Invalid policy: MaximumBatchingTimeSpan' } },
            },
          }),
        );
      },
    };
    await assert.rejects(applyKustoSetup(settings(), { client: failing }), (e: unknown) => {
      assert.ok(e instanceof KustoRequestError, String(e));
      assert.match(e.message, /setup command \.alter table Alerts policy ingestionbatching in database O365/);
      assert.match(e.message, /Invalid policy/);
      return true;
    });
    assert.equal(calls, 3);
  });
});
