import { strict as assert } from 'node:assert';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { ALERT_COLUMNS, type AlertRow } from '../../src/kusto/schema';
import {
  createMappingCommand,
  createMergeTableCommand,
  enableStreamingCommand,
  jsonIngestionMapping,
  mappingNameFor,
} from '../../src/kusto/table-commands';
import { createFunctionCommand, shippedFunctions } from '../../src/kusto/functions';
import { serializeRows, sourceIdFor } from '../../src/kusto/batch';
import { existingIdQueries } from '../../src/kusto/existing-ids';
import { cslString, kqlString } from '../../src/kusto/kql';

describe('JSON ingestion mapping', () => {
  it('covers every schema column exactly once, with its type and a $.Column path, and nothing else', () => {
    const mapping = jsonIngestionMapping();
    assert.deepEqual(
      mapping.map((m) => m.column),
      ALERT_COLUMNS.map((c) => c.name),
    );
    for (const [i, column] of ALERT_COLUMNS.entries()) {
      assert.deepEqual(mapping[i], { column: column.name, path: `$.${column.name}`, datatype: column.type });
    }
    assert.equal(new Set(mapping.map((m) => m.column)).size, mapping.length, 'no duplicate columns');
  });

  it('is embedded verbatim in the mapping command under the table-specific name', () => {
    const command = createMappingCommand('O365SecurityAlerts');
    const prefix = `.create-or-alter table O365SecurityAlerts ingestion json mapping 'O365SecurityAlerts_json_mapping' '`;
    assert.ok(command.startsWith(prefix), command);
    const json = command.slice(prefix.length, -1);
    assert.deepEqual(JSON.parse(json), jsonIngestionMapping());
    assert.equal(mappingNameFor('T1'), 'T1_json_mapping');
  });
});

describe('table commands', () => {
  it('create-merge lists every column as name:type in schema order, with folder and docstring', () => {
    const command = createMergeTableCommand('Alerts');
    const inner = /^\.create-merge table Alerts \((.*)\) with \(folder='[^']+', docstring='[^']+'\)$/.exec(
      command,
    );
    assert.ok(inner, command);
    assert.deepEqual(
      inner[1]!.split(', '),
      ALERT_COLUMNS.map((c) => `${c.name}:${c.type}`),
    );
  });

  it('rejects table names that are not plain identifiers instead of splicing them', () => {
    assert.throws(() => createMergeTableCommand('x; .drop table y'), /not a plain Kusto identifier/);
    assert.throws(() => enableStreamingCommand('a-b'), /not a plain Kusto identifier/);
  });

  it('enables streaming per table', () => {
    assert.equal(enableStreamingCommand('T'), '.alter table T policy streamingingestion enable');
  });

  it('ships the two functions, the second built on the first', () => {
    const [latest, awaiting] = shippedFunctions('T');
    assert.equal(latest!.name, 'TLatestInvestigations');
    assert.match(
      latest!.body,
      /^T \| where RecordType == 64 .*\| extend UpdateTime = coalesce\(LastUpdateTimeUtc, CreationTime\) \| summarize arg_max\(UpdateTime, \*\) by InvestigationId$/,
    );
    assert.equal(awaiting!.name, 'TAwaitingSoc');
    assert.match(
      awaiting!.body,
      /^TLatestInvestigations\(\) \| where Status in~ \("Pending Action", "Threats Found", "Partially Remediated"\)$/,
    );
    assert.match(
      createFunctionCommand(latest!),
      /^\.create-or-alter function with \(folder='[^']+', docstring='[^']+'\) TLatestInvestigations\(\) \{ T \| .* \}$/,
    );
  });
});

describe('KQL literals', () => {
  it('escape quotes, backslashes and line breaks', () => {
    assert.equal(kqlString('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
    assert.equal(cslString("it's"), "'it\\'s'");
  });
});

describe('batch serialization', () => {
  const row = (id: string, extra: Record<string, unknown> = {}): AlertRow =>
    ({ Id: id, RecordType: 64, Data: { a: [1, 2] }, ...extra }) as unknown as AlertRow;

  it('writes gzip MultiJSON with exactly the schema columns in order, missing ones as null', () => {
    const batch = serializeRows([row('a'), row('b', { NotAColumn: 'x', Status: 'Remediated' })]);
    assert.equal(batch.rows, 2);
    const text = gunzipSync(batch.gzip).toString('utf8');
    assert.equal(batch.rawBytes, Buffer.byteLength(text));
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    for (const line of lines)
      assert.deepEqual(
        Object.keys(line),
        ALERT_COLUMNS.map((c) => c.name),
      );
    assert.equal(lines[1]!.Status, 'Remediated');
    assert.equal(lines[0]!.Status, null);
    assert.deepEqual(lines[0]!.Data, { a: [1, 2] });
  });

  it('derives a stable UUID v4 source id per batch id', () => {
    const a = sourceIdFor('window-2026-01-01T00:00Z');
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(sourceIdFor('window-2026-01-01T00:00Z'), a);
    assert.notEqual(sourceIdFor('window-2026-01-01T01:00Z'), a);
  });
});

describe('existing-id queries', () => {
  it('chunks unique ids into quoted in() lists', () => {
    const ids = Array.from({ length: 5 }, (_, i) => `id-${i}`);
    const queries = existingIdQueries('T', [...ids, 'id-0'], 2);
    assert.deepEqual(queries, [
      'T | where Id in ("id-0", "id-1") | distinct Id',
      'T | where Id in ("id-2", "id-3") | distinct Id',
      'T | where Id in ("id-4") | distinct Id',
    ]);
    assert.deepEqual(existingIdQueries('T', []), []);
  });
});
