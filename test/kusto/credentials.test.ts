import { strict as assert } from 'node:assert';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type AccessToken,
  type TokenCredential,
} from '@azure/identity';
import { credentialFor, isLocalEndpoint } from '../../src/kusto/connection';
import { KustoSink } from '../../src/kusto';

describe('credentialFor', () => {
  it('uses no token for http:// and loopback endpoints', () => {
    assert.equal(isLocalEndpoint('http://kusto-local:8080'), true);
    assert.equal(isLocalEndpoint('https://127.0.0.1:8443'), true);
    assert.equal(isLocalEndpoint('https://c.westeurope.kusto.windows.net'), false);
    assert.equal(credentialFor('http://127.0.0.1:8080', 'mi-client'), undefined);
  });

  it('picks the user-assigned managed identity when named, else the default chain', () => {
    assert.ok(credentialFor('https://c.kusto.windows.net', 'mi-client') instanceof ManagedIdentityCredential);
    assert.ok(credentialFor('https://c.kusto.windows.net', undefined) instanceof DefaultAzureCredential);
  });
});

describe('an explicit credential', () => {
  it('is asked for a token and sent as the bearer on every request', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/v1/rest/auth/metadata') return void res.writeHead(404).end();
        seen.push(req.headers);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify([
            { FrameType: 'DataSetHeader', IsProgressive: false, Version: 'v2.0' },
            {
              FrameType: 'DataTable',
              TableId: 0,
              TableKind: 'PrimaryResult',
              TableName: 'PrimaryResult',
              Columns: [{ ColumnName: 'Id', ColumnType: 'string' }],
              Rows: [['x']],
            },
            { FrameType: 'DataSetCompletion', HasErrors: false, Cancelled: false },
          ]),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const scopes: string[][] = [];
    const credential: TokenCredential = {
      getToken: (s: string | string[]): Promise<AccessToken> => {
        scopes.push([s].flat());
        return Promise.resolve({ token: 'fixture-token', expiresOnTimestamp: Date.now() + 3_600_000 });
      },
    };
    const sink = new KustoSink(
      { clusterUrl: url, ingestUrl: url, database: 'O365', table: 'T', ingestionMode: 'queued' },
      { credential },
    );
    try {
      assert.deepEqual(await sink.query('T | take 1'), [{ Id: 'x' }]);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.authorization, 'Bearer fixture-token');
      assert.ok(scopes.length >= 1);
    } finally {
      await sink.close();
      await new Promise((r) => server.close(r));
    }
  });
});
