import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { KustoPermissionError, KustoRequestError, toKustoError } from '../../src/kusto/errors';
import { cliKustoSettings } from '../../src/kusto/cli-settings';
import { formatTable } from '../../src/kusto/format-table';

const axiosLike = (status: number, data: unknown): Error =>
  Object.assign(new Error(`Request failed with status code ${status}`), { response: { status, data } });

describe('toKustoError', () => {
  it('turns 401/403 and Forbidden codes into KustoPermissionError', () => {
    assert.ok(toKustoError('x', axiosLike(401, '')) instanceof KustoPermissionError);
    const e = toKustoError('x', axiosLike(403, { error: { code: 'Forbidden', message: 'nope' } }));
    assert.ok(e instanceof KustoPermissionError);
    assert.match(e.message, /refused x \(HTTP 403\): nope/);
  });

  it('recognises a principal error that arrives inside a 200/400 body', () => {
    const e = toKustoError(
      'x',
      new Error("Kusto request had errors. Principal 'aadapp=a' is not authorized to write"),
    );
    assert.ok(e instanceof KustoPermissionError);
  });

  it('keeps other failures as KustoRequestError with the service code and message', () => {
    const e = toKustoError(
      'query',
      axiosLike(400, { error: { code: 'BadRequest_SyntaxError', '@message': 'bad token' } }),
    );
    assert.ok(e instanceof KustoRequestError);
    assert.equal(e.code, 'BadRequest_SyntaxError');
    assert.match(e.message, /query failed \(HTTP 400 BadRequest_SyntaxError\): bad token/);
  });
});

describe('CLI settings', () => {
  it('default to the local endpoint and database O365', () => {
    const s = cliKustoSettings({});
    assert.equal(s.clusterUrl, 'http://127.0.0.1:8080');
    assert.equal(s.database, 'O365');
    assert.equal(s.table, 'O365SecurityAlerts');
    assert.equal(cliKustoSettings({ LOCAL_KUSTO_PORT: '9999' }).clusterUrl, 'http://127.0.0.1:9999');
  });

  it('use the named cluster and require its database', () => {
    const env = { KUSTO_CLUSTER_URL: 'https://c.westeurope.kusto.windows.net/', KUSTO_TABLE: 'A' };
    assert.throws(() => cliKustoSettings(env), /KUSTO_DATABASE is missing/);
    const s = cliKustoSettings({ ...env, KUSTO_DATABASE: 'Sec' });
    assert.equal(s.clusterUrl, 'https://c.westeurope.kusto.windows.net');
    assert.equal(s.database, 'Sec');
    assert.equal(s.table, 'A');
  });
});

describe('formatTable', () => {
  it('aligns columns and renders dates, objects and nulls', () => {
    const text = formatTable([
      { Id: 'a', When: new Date('2026-01-01T00:00:00Z'), Data: { x: 1 } },
      { Id: 'bbb', When: null, Data: null },
    ]);
    assert.equal(
      text,
      [
        'Id   When                      Data',
        '---  ------------------------  -------',
        'a    2026-01-01T00:00:00.000Z  {"x":1}',
        'bbb',
      ].join('\n'),
    );
    assert.equal(formatTable([]), '(no rows)');
  });
});
