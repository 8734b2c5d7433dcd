/**
 * The Admin-missing path, against a loopback server that answers like a real cluster does for a principal without
 * the database Admin role (HTTP 403 with a OneApi body), driven through the real azure-kusto-data client.
 */
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KustoPermissionError, KustoSink } from '../../src/kusto';
import { ALERT_COLUMNS } from '../../src/kusto/schema';

interface FakeCluster {
  /** Whether `.show table T schema` finds the table, and with which columns. */
  existingColumns: { Name: string; CslType: string }[] | undefined;
  commands: string[];
}

function forbidden(res: ServerResponse, what: string): void {
  res.writeHead(403, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: {
        code: 'Forbidden',
        message: 'Caller is not authorized to perform this action',
        '@type': 'Kusto.DataNode.Exceptions.UnauthorizedDatabaseAccessException',
        '@message': `Principal 'aadapp=pipeline' is not authorized to ${what} database 'O365'.`,
        '@permanent': true,
      },
    }),
  );
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
      if (csl.startsWith('.show table ') && state.existingColumns) {
        const schema = JSON.stringify({ Name: 'T', OrderedColumns: state.existingColumns });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            Tables: [
              {
                TableName: 'Table_0',
                Columns: [
                  { ColumnName: 'TableName', DataType: 'String', ColumnType: 'string' },
                  { ColumnName: 'Schema', DataType: 'String', ColumnType: 'string' },
                ],
                Rows: [['T', schema]],
              },
            ],
          }),
        );
        return;
      }
      forbidden(res, csl.startsWith('.show') ? 'view' : 'alter');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('ensureTable without database Admin', () => {
  const state: FakeCluster = { existingColumns: undefined, commands: [] };
  let server: Server;
  let sink: KustoSink;

  before(async () => {
    server = await startFakeCluster(state);
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    sink = new KustoSink({
      clusterUrl: url,
      ingestUrl: url,
      database: 'O365',
      table: 'T',
      ingestionMode: 'queued',
    });
  });
  after(async () => {
    await sink.close();
    await new Promise((r) => server.close(r));
  });

  it('on a first run fails with KustoPermissionError naming the Admin role and that Ingestor suffices later', async () => {
    state.existingColumns = undefined;
    state.commands.length = 0;
    const error = await sink.ensureTable().then(
      () => assert.fail('ensureTable should have failed'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KustoPermissionError, String(error));
    assert.equal(error.status, 403);
    assert.match(error.message, /not authorized to alter database 'O365'/);
    assert.match(error.message, /first run .* database Admin role/);
    assert.match(error.message, /Ingestor .* suffices/);
    assert.ok(state.commands[0]!.startsWith('.create-merge table T '), state.commands[0]);
  });

  it('passes when the table already has every column (an Ingestor-only principal after the first run)', async () => {
    state.existingColumns = ALERT_COLUMNS.map((c) => ({ Name: c.name, CslType: c.type }));
    state.commands.length = 0;
    await sink.ensureTable();
    assert.deepEqual(
      state.commands.map((c) => c.split(' ').slice(0, 2).join(' ')),
      ['.create-merge table', '.show table'],
    );
  });
});

describe('ensureTable without Admin when a column is missing', () => {
  it('still reports the permission problem rather than ingesting into an incomplete table', async () => {
    const state: FakeCluster = {
      existingColumns: ALERT_COLUMNS.slice(0, -1).map((c) => ({ Name: c.name, CslType: c.type })),
      commands: [],
    };
    const server = await startFakeCluster(state);
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    const sink = new KustoSink({
      clusterUrl: url,
      ingestUrl: url,
      database: 'O365',
      table: 'T',
      ingestionMode: 'queued',
    });
    try {
      await assert.rejects(sink.ensureTable(), KustoPermissionError);
    } finally {
      await sink.close();
      await new Promise((r) => server.close(r));
    }
  });
});
