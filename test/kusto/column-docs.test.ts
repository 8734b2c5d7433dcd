/**
 * The column tables of docs/querying.md are the only place that says what each column means, so they must list
 * exactly the columns the code creates, in the same order, with the same Kusto types and a meaning for each.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ALERT_COLUMNS, TELEMETRY_COLUMNS, type ColumnDefinition } from '../../src/kusto';

const QUERYING_MD = readFileSync(path.join(__dirname, '..', '..', 'docs', 'querying.md'), 'utf8');

/** The rows of the first Markdown table under `heading`: column name (without backticks), type, meaning. */
function documentedColumns(
  markdown: string,
  heading: string,
): { name: string; type: string; meaning: string }[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `docs/querying.md has a "${heading}" section`);
  const tableStart = lines.findIndex((line, i) => i > start && line.startsWith('|'));
  const rows: string[] = [];
  for (let i = tableStart; i >= 0 && lines[i]?.startsWith('|'); i++) rows.push(lines[i]);
  return rows.slice(2).map((row) => {
    const [name, type, meaning] = row
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    return { name: name.replace(/`/g, ''), type, meaning };
  });
}

function assertDocumented(heading: string, columns: readonly ColumnDefinition[]): void {
  const documented = documentedColumns(QUERYING_MD, heading);
  assert.deepEqual(
    documented.map((c) => `${c.name}: ${c.type}`),
    columns.map((c) => `${c.name}: ${c.type}`),
  );
  for (const c of documented) assert.ok(c.meaning.length > 0, `${c.name} has a meaning`);
}

describe('docs/querying.md column tables', () => {
  it('"The table" lists every alert column, in order, with its type and meaning', () => {
    assertDocumented('## The table', ALERT_COLUMNS);
  });

  it('"The telemetry table" lists every telemetry column, in order, with its type and meaning', () => {
    assertDocumented('## The telemetry table', TELEMETRY_COLUMNS);
  });

  it('a column missing from a documented table is found', () => {
    const withoutTenantName = QUERYING_MD.replace(/^\| `TenantName` .*\n/m, '');
    assert.notEqual(withoutTenantName, QUERYING_MD);
    assert.notDeepEqual(
      documentedColumns(withoutTenantName, '## The table').map((c) => c.name),
      ALERT_COLUMNS.map((c) => c.name),
    );
  });
});
