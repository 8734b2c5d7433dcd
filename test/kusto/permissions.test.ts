/**
 * The app's rights on Azure (Ingestor + Viewer, never Admin), against a loopback server that answers like a real
 * cluster: `.show` commands as a Viewer may run them, HTTP 403 with a OneApi body for anything the principal may not
 * do. Driven through the real azure-kusto-data client.
 */
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  applyKustoSetup,
  jsonIngestionMapping,
  KustoPermissionError,
  KustoSetupError,
  KustoSink,
  type KustoSettings,
  TELEMETRY_COLUMNS,
} from '../../src/kusto';
import { ALERT_COLUMNS, type ColumnDefinition } from '../../src/kusto/schema';

interface FakeTable {
  columns: { Name: string; CslType: string }[];
  mapping?: string;
}

interface FakeCluster {
  tables: Map<string, FakeTable>;
  /** The principal may run `.show` commands. */
  viewer: boolean;
  commands: string[];
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function forbidden(res: ServerResponse, what: string): void {
  reply(res, 403, {
    error: {
      code: 'Forbidden',
      message: 'Caller is not authorized to perform this action',
      '@type': 'Kusto.DataNode.Exceptions.UnauthorizedDatabaseAccessException',
      '@message': `Principal 'aadapp=pipeline' is not authorized to ${what} database 'O365'.`,
      '@permanent': true,
    },
  });
}

function table(columns: string[], rows: unknown[][]): unknown {
  return {
    Tables: [
      {
        TableName: 'Table_0',
        Columns: columns.map((c) => ({ ColumnName: c, DataType: 'String', ColumnType: 'string' })),
        Rows: rows,
      },
    ],
  };
}

function startFakeCluster(state: FakeCluster): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.url === '/v1/rest/auth/metadata') {
        res.writeHead(404).end();
        return;
      }
      if (req.url !== '/v1/rest/mgmt') {
        res.writeHead(400).end();
        return;
      }
      const { csl } = JSON.parse(body) as { csl: string };
      state.commands.push(csl);
      const show = /^\.show table (\w+) (schema as json|ingestion json mappings)$/.exec(csl);
      if (!show) {
        forbidden(res, 'alter');
        return;
      }
      if (!state.viewer) {
        forbidden(res, 'view');
        return;
      }
      const found = state.tables.get(show[1]!);
      if (!found) {
        reply(res, 400, {
          error: {
            code: 'BadRequest_EntityNotFound',
            message: 'Request is invalid and cannot be executed.',
            '@message': `Table '${show[1]}' could not be found in database 'O365'.`,
          },
        });
        return;
      }
      if (show[2] === 'schema as json') {
        const schema = JSON.stringify({ Name: show[1], OrderedColumns: found.columns });
        reply(res, 200, table(['TableName', 'Schema'], [[show[1], schema]]));
      } else {
        const rows = found.mapping ? [[`${show[1]}_json_mapping`, 'Json', found.mapping]] : [];
        reply(res, 200, table(['Name', 'Kind', 'Mapping'], rows));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const complete = (columns: readonly ColumnDefinition[]): FakeTable => ({
  columns: columns.map((c) => ({ Name: c.name, CslType: c.type })),
  mapping: JSON.stringify(jsonIngestionMapping(columns)),
});

describe('the app with Ingestor + Viewer on a cluster', () => {
  const state: FakeCluster = { tables: new Map(), viewer: true, commands: [] };
  let server: Server;
  let settings: KustoSettings;
  const sinks: KustoSink[] = [];
  const open = (): KustoSink => {
    const sink = new KustoSink(settings);
    sinks.push(sink);
    return sink;
  };

  before(async () => {
    server = await startFakeCluster(state);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    settings = {
      clusterUrl: url,
      ingestUrl: url,
      database: 'O365',
      table: 'T',
      telemetryTable: 'TRuns',
      ingestionMode: 'queued',
    };
  });
  beforeEach(() => {
    state.tables = new Map([
      ['T', complete(ALERT_COLUMNS)],
      ['TRuns', complete(TELEMETRY_COLUMNS)],
    ]);
    state.viewer = true;
    state.commands.length = 0;
  });
  after(async () => {
    for (const sink of sinks) await sink.close();
    await new Promise((r) => server.close(r));
  });

  it('verifyTable passes on a set-up database using only read commands', async () => {
    await open().verifyTable();
    assert.ok(state.commands.length > 0);
    assert.deepEqual(
      state.commands.filter((c) => !c.startsWith('.show ')),
      [],
    );
  });

  it('verifyTable names every missing piece and how to create it, and creates nothing', async () => {
    state.tables.set('T', {
      ...complete(ALERT_COLUMNS),
      columns: ALERT_COLUMNS.slice(0, -1).map((c) => ({ Name: c.name, CslType: c.type })),
    });
    state.tables.set('TRuns', { columns: complete(TELEMETRY_COLUMNS).columns }); // no mapping
    const error = await open()
      .verifyTable()
      .then(
        () => assert.fail('verifyTable should have failed'),
        (e: unknown) => e,
      );
    assert.ok(error instanceof KustoSetupError, String(error));
    assert.deepEqual(error.problems, [
      'table T lacks column(s) WindowEnd',
      'table TRuns has no JSON ingestion mapping TRuns_json_mapping',
    ]);
    assert.match(error.message, /run `azd hooks run postprovision` or `npm run kusto:setup`/);
    assert.deepEqual(
      state.commands.filter((c) => !c.startsWith('.show ')),
      [],
    );
  });

  it('verifyTable reports a column whose type differs from what the pipeline writes', async () => {
    const columns = complete(ALERT_COLUMNS).columns.map((c) =>
      c.Name === 'RecordType' ? { ...c, CslType: 'string' } : c,
    );
    state.tables.set('T', { ...complete(ALERT_COLUMNS), columns });
    await assert.rejects(open().verifyTable(), (e: unknown) => {
      assert.ok(e instanceof KustoSetupError);
      assert.deepEqual(e.problems, ['column T.RecordType is string, the pipeline writes int']);
      return true;
    });
  });

  it('without Viewer, verifyTable fails with KustoPermissionError naming the roles the app needs', async () => {
    state.viewer = false;
    await assert.rejects(open().verifyTable(), (e: unknown) => {
      assert.ok(e instanceof KustoPermissionError, String(e));
      assert.equal(e.status, 403);
      assert.match(e.message, /Ingestor and Viewer/);
      return true;
    });
  });

  it('the setup run with the app identity is refused with the command and who must run it', async () => {
    await assert.rejects(applyKustoSetup(settings), (e: unknown) => {
      assert.ok(e instanceof KustoPermissionError, String(e));
      assert.match(e.message, /setup command \.create-merge table T in database O365/);
      assert.match(e.message, /deploying identity \(database Admin\)/);
      return true;
    });
    assert.equal(state.commands.length, 1, 'the setup stops at the first refusal');
  });
});
