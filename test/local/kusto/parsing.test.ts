/**
 * The local Kusto endpoint's pure pieces without HTTP: payload splitting, JSONPath and mapping normalization, value
 * coercion, term matching, timespans, and a few evaluator rules checked straight on the store.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KustoLocalError } from '../../../local/kusto/errors';
import {
  parseJsonMapping,
  parseJsonPath,
  parseJsonRecords,
  recordsToRows,
} from '../../../local/kusto/ingest';
import { runQuery } from '../../../local/kusto/query/engine';
import { hasTerm } from '../../../local/kusto/query/values';
import { KustoStore } from '../../../local/kusto/store';
import { coerceForStore, formatTimespan, parseTimespan } from '../../../local/kusto/types';

describe('ingestion payload parsing', () => {
  it('splits NDJSON, concatenated pretty-printed objects and top-level arrays', () => {
    assert.deepEqual(parseJsonRecords('{"a":1}\n{"a":2}\n'), [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(parseJsonRecords('{\n  "a": "x}{"\n}\n[{"a":2},{"a":3}]'), [
      { a: 'x}{' },
      { a: 2 },
      { a: 3 },
    ]);
    assert.deepEqual(parseJsonRecords('  \n'), []);
  });

  it('refuses truncated or stray content with a Kusto bad-request error', () => {
    assert.throws(
      () => parseJsonRecords('{"a":1'),
      (e: unknown) => e instanceof KustoLocalError && /truncated/.test(e.message),
    );
    assert.throws(() => parseJsonRecords('{"a":1} x'), /unexpected 'x'/);
    assert.throws(() => parseJsonRecords('{"a":}'), /invalid JSON record at offset 0/);
  });

  it('reads JSONPath selectors', () => {
    assert.deepEqual(parseJsonPath('$'), []);
    assert.deepEqual(parseJsonPath('$.a.b'), ['a', 'b']);
    assert.deepEqual(parseJsonPath("$['odd name'].c[2]"), ['odd name', 'c', 2]);
    assert.throws(() => parseJsonPath('a.b'), /must start with '\$'/);
  });

  it('normalizes both mapping casings and rejects unknown types', () => {
    const lower = parseJsonMapping('[{"column":"A","path":"$.a","datatype":"long"}]');
    const upper = parseJsonMapping('[{"Column":"A","DataType":"long","Properties":{"Path":"$.a"}}]');
    assert.deepEqual(lower, upper);
    assert.deepEqual(lower, [{ column: 'A', path: ['a'], datatype: 'long' }]);
    assert.throws(
      () => parseJsonMapping('[{"column":"A","path":"$.a","datatype":"nonsense"}]'),
      /unknown datatype 'nonsense'/,
    );
    assert.throws(() => parseJsonMapping('{"column":"A"}'), /JSON array/);
  });

  it('maps records onto the table, coercing each value to its column type', () => {
    const table = {
      database: 'D',
      name: 'T',
      folder: '',
      docString: '',
      streamingIngestionEnabled: false,
      columns: [
        { name: 'N', type: 'long' as const },
        { name: 'At', type: 'datetime' as const },
        { name: 'Flag', type: 'bool' as const },
        { name: 'S', type: 'string' as const },
      ],
    };
    const rows = recordsToRows(
      [{ N: '12.9', At: '2025-01-01 10:00:00', Flag: 'true', S: { x: 1 } }, {}],
      table,
      undefined,
    );
    assert.deepEqual(rows, [
      { N: 12, At: '2025-01-01T10:00:00.000Z', Flag: true, S: '{"x":1}' },
      { N: null, At: null, Flag: null, S: null },
    ]);
    assert.throws(() => recordsToRows([{}], table, [{ column: 'Nope', path: ['x'] }]), /column 'Nope'/);
  });
});

describe('value rules', () => {
  it('has matches whole terms only', () => {
    assert.equal(hasTerm('Email reported by user as malware or phish', 'PHISH'), true);
    assert.equal(hasTerm('Phishing-campaign', 'phish'), false);
    assert.equal(hasTerm('ingest-by:batch-1', 'batch-1'), true);
    assert.equal(hasTerm('abc', 'ab', true), false);
  });

  it('timespans parse from literals and clock text and format like Kusto', () => {
    assert.equal(parseTimespan('1h'), 3_600_000);
    assert.equal(parseTimespan('7d'), 7 * 86_400_000);
    assert.equal(parseTimespan('1.02:03:04.5000000'), 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4_500);
    assert.equal(formatTimespan(86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4_500), '1.02:03:04.5000000');
    assert.equal(formatTimespan(-90_000), '-00:01:30');
    assert.equal(parseTimespan('soon'), null);
  });

  it('coercion returns null for values a type cannot hold instead of rejecting the row', () => {
    assert.equal(coerceForStore('abc', 'long'), null);
    assert.equal(coerceForStore('not a date', 'datetime'), null);
    assert.equal(coerceForStore(0, 'bool'), false);
    assert.deepEqual(coerceForStore({ a: [1] }, 'dynamic'), { a: [1] });
  });
});

describe('evaluator rules on the store', () => {
  let dir: string;
  let store: KustoStore;
  const env = () => ({ store, database: 'D', now: Date.parse('2025-06-01T00:00:00Z') });
  const rows = (query: string) => runQuery(query, env()).rows;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kusto-local-engine-'));
    store = new KustoStore(dir);
    store.createMergeTable('D', 'T', [
      { name: 'K', type: 'string' },
      { name: 'V', type: 'long' },
      { name: 'Tags', type: 'dynamic' },
    ]);
    store.appendExtent(
      'D',
      'T',
      [
        { K: 'Alpha', V: 1, Tags: ['x', 'y'] },
        { K: 'beta', V: 2, Tags: ['y'] },
        { K: 'alpha', V: 3, Tags: null },
      ],
      [],
      Date.parse('2025-05-31T00:00:00Z'),
    );
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('=~ and in~ compare case-insensitively; == and in do not', () => {
    assert.deepEqual(rows('T | where K =~ "ALPHA" | project V'), [[1], [3]]);
    assert.deepEqual(rows('T | where K == "alpha" | project V'), [[3]]);
    assert.deepEqual(rows('T | where K in~ ("ALPHA") | project V'), [[1], [3]]);
    assert.deepEqual(rows('T | where K !in ("beta") | project V'), [[1], [3]]);
  });

  it('summarize by without aggregates lists the groups; make_set flattens dynamic arrays', () => {
    assert.deepEqual(rows('T | summarize by K | order by K asc'), [['Alpha'], ['alpha'], ['beta']]);
    assert.deepEqual(rows('T | summarize make_set(Tags)'), [[['x', 'y']]]);
  });

  it('integer division truncates, real division does not, and null arithmetic stays null', () => {
    assert.deepEqual(rows('T | where V == 3 | project A = V / 2, B = V / 2.0, C = V * int(null)'), [
      [1, 1.5, null],
    ]);
  });

  it('tostring of a datetime is ISO 8601 with fractions only when present', () => {
    assert.deepEqual(
      rows(
        'T | take 1 | project a = tostring(datetime(2025-01-02)), b = tostring(datetime(2025-01-02 03:04:05.250))',
      ),
      [['2025-01-02T00:00:00Z', '2025-01-02T03:04:05.250Z']],
    );
  });

  it('print computes one row from nothing', () => {
    const result = runQuery('print n = 1 + 2, s = strcat("a", "b"), now()', env());
    assert.deepEqual(
      result.columns.map((c) => [c.name, c.type]),
      [
        ['n', 'long'],
        ['s', 'string'],
        ['print_2', 'datetime'],
      ],
    );
    assert.deepEqual(result.rows, [[3, 'ab', Date.parse('2025-06-01T00:00:00Z')]]);
  });

  it('names the columns Kusto would: count_, sum_V, Column1', () => {
    const result = runQuery('T | summarize count(), sum(V) by V % 2', env());
    assert.deepEqual(
      result.columns.map((c) => c.name),
      ['Column1', 'count_', 'sum_V'],
    );
  });

  it('refuses between and has_any by name', () => {
    assert.throws(() => rows('T | where V between (1 .. 2)'), /'between' operator is not supported/);
    assert.throws(() => rows('T | where K has_any ("x")'), /'has_any' operator is not supported/);
  });
});
