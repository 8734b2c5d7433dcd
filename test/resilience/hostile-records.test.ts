/**
 * Hostile content in audit records, through the real selection code and the real Kusto clients against the local
 * Kusto endpoint: KQL-looking strings must land as data and never run; deeply nested, oversized and ill-typed records
 * must be quarantined or kept as data, never crash a window.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKustoLocal, type RunningKustoLocal } from '../../local/kusto';
import { loadRuleSet, MalformedContentError, selectFromContent, type BlobSelection } from '../../src/alerts';
import { applyKustoSetup, KustoSink } from '../../src/kusto';
import { provenance, submissionInvestigation } from '../alerts/fixtures/records';

const rules = loadRuleSet(undefined);

/** Strings a careless pipeline would paste into a KQL query or a management command. */
const KQL_PAYLOADS = [
  `".drop table O365SecurityAlerts`,
  `x' | take 0 | union (print a=1) //`,
  `"]); .drop table Canary; //`,
  `.set-or-replace Canary <| print x=1`,
  `let q = 1; Canary | where 1 == 1`,
  `\\"; .clear table O365SecurityAlerts data\n| count`,
  `h'x'; -- 'quoted' "double" \`back\``,
  `\u0000\u2028\u202e{{template}}\${injected}`,
];

function hostileInvestigation(i: number, payload: string): Record<string, unknown> {
  const base = submissionInvestigation({
    id: `hostile-${i}-${payload}`,
    investigationId: `inv-${i}-${payload}`,
    status: 'Remediated',
    providerAlertId: payload,
  });
  return { ...base, Name: payload, Comments: payload, ObjectId: payload, UserKey: payload };
}

/** JSON nested `depth` levels deep, built as text (no recursion on our side). */
function nestedJson(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

describe('hostile record content', { timeout: 60_000 }, () => {
  let dir: string;
  let kusto: RunningKustoLocal;
  let sink: KustoSink;
  let canary: KustoSink;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'resilience-hostile-'));
    kusto = await startKustoLocal({ port: 0, stateDir: join(dir, 'kusto') });
    const settings = {
      clusterUrl: kusto.url,
      ingestUrl: kusto.url,
      database: 'O365',
      ingestionMode: 'streaming',
    } as const;
    sink = new KustoSink({ ...settings, table: 'O365SecurityAlerts' });
    canary = new KustoSink({ ...settings, table: 'Canary' });
    // The deployer's setup creates the tables (the app itself only verifies them).
    await applyKustoSetup({ ...settings, table: 'O365SecurityAlerts' });
    await applyKustoSetup({ ...settings, table: 'Canary', telemetryTable: 'CanaryRuns' });
  });
  after(async () => {
    await sink?.close();
    await canary?.close();
    await kusto?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingests KQL-looking strings as data: the values round-trip and no command runs', async () => {
    const canaryRow = selectFromContent(
      JSON.stringify([hostileInvestigation(99, 'canary')]),
      rules,
      provenance(),
    ).rows[0];
    assert.ok(canaryRow, 'the canary record is selected');
    await canary.ingestRows([canaryRow], 'canary-batch');

    const records = KQL_PAYLOADS.map((p, i) => hostileInvestigation(i, p));
    const selection = selectFromContent(
      JSON.stringify(records),
      rules,
      provenance({ contentId: `c-'|.drop` }),
    );
    assert.equal(
      selection.rows.length,
      KQL_PAYLOADS.length,
      'every hostile record is selected like any other',
    );
    await sink.ingestRows(selection.rows, `batch-'; .drop table Canary`);

    const rows = await sink.query<{ Id: string; Name: string; Comments: string; ContentId: string }>(
      'O365SecurityAlerts | project Id, Name, Comments, ContentId',
    );
    assert.equal(rows.length, KQL_PAYLOADS.length);
    const byName = new Map(rows.map((r) => [r.Name, r]));
    for (const [i, p] of KQL_PAYLOADS.entries()) {
      const row = byName.get(p);
      assert.ok(row, `payload ${i} landed verbatim as Name`);
      assert.equal(row.Comments, p);
      assert.equal(row.Id, `hostile-${i}-${p}`);
      assert.equal(row.ContentId, `c-'|.drop`);
    }
    const canaryRows = await canary.query<{ Id: string }>('Canary | project Id');
    assert.deepEqual(
      canaryRows.map((r) => r.Id),
      ['hostile-99-canary'],
      'the other table was neither dropped nor replaced',
    );
  });

  it('looks hostile ids up as literals (record-Id de-duplication builds a query from them)', async () => {
    const ids = KQL_PAYLOADS.map((p, i) => `hostile-${i}-${p}`);
    const found = await sink.existingIds([...ids, `never-ingested' or 1==1 or Id=='`]);
    assert.deepEqual([...found].sort(), [...ids].sort());
    // So the ingest activity's Id check leaves nothing of a replayed hostile batch to ingest again.
    assert.deepEqual(
      ids.filter((id) => !found.has(id)),
      [],
    );
  });

  it('quarantines a blob that is deeply nested instead of an array of records', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const outcome: BlobSelection | unknown = (() => {
      try {
        return selectFromContent(deep, rules, provenance());
      } catch (e) {
        return e;
      }
    })();
    // Either a clean malformed verdict, or a parse that yields nothing selectable: never a crash of another kind.
    if (outcome instanceof Error) assert.ok(outcome instanceof MalformedContentError, String(outcome));
    else {
      const s = outcome as BlobSelection;
      assert.equal(s.rows.length + s.waitingAlerts.length + s.verdicts.length, 0);
    }
  });

  it('keeps a selected record with deeply nested Data serializable (it must cross durable history and ingestion)', () => {
    const record = submissionInvestigation({
      id: 'deep-data',
      investigationId: 'inv-deep',
      status: 'Remediated',
    });
    record.Data = nestedJson(20_000);
    const selection = selectFromContent(JSON.stringify([record]), rules, provenance());
    // Whatever the selection decided (row with Data kept, or quarantine), its result must serialize: the fetch
    // activity returns it through JSON, and a RangeError there fails the window on every retry.
    assert.doesNotThrow(() => JSON.stringify(selection), 'the selection of a deep-Data record serializes');
  });

  it('handles wrong types in every field without throwing', () => {
    const odd: unknown[] = [
      null,
      42,
      'a string',
      [],
      { Id: { $gt: '' }, RecordType: { valueOf: 64 }, CreationTime: [] },
      { Id: 'x', RecordType: '64', CreationTime: 12, Data: 12345, Actions: '{{{' },
      { Id: 'y', RecordType: 64, CreationTime: '2026-01-28T10:00:00', Data: '[1,2', Actions: { a: 1 } },
      JSON.parse(
        '{"__proto__":{"polluted":true},"Id":"p","RecordType":40,"CreationTime":"2026-01-28T10:00:00"}',
      ),
    ];
    const s = selectFromContent(JSON.stringify(odd), rules, provenance());
    assert.equal(s.recordsSeen, odd.length);
    assert.ok(s.quarantined.length >= 5, `malformed records are quarantined (${s.quarantined.length})`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  });

  it('selects from an oversized blob (≈ 30 MB, 60,000 records) without losing the needle', () => {
    const noise = {
      Id: 'n',
      RecordType: 15,
      CreationTime: '2026-01-28T10:00:00',
      Operation: 'UserLoggedIn',
      Payload: 'x'.repeat(400),
    };
    const records: unknown[] = [];
    for (let i = 0; i < 60_000; i++) records.push({ ...noise, Id: `noise-${i}` });
    records.splice(
      31_337,
      0,
      submissionInvestigation({ id: 'needle', investigationId: 'inv-n', status: 'Remediated' }),
    );
    const text = JSON.stringify(records);
    assert.ok(text.length > 25_000_000, `blob is ${text.length} chars`);
    const s = selectFromContent(text, rules, provenance());
    assert.equal(s.recordsSeen, 60_001);
    assert.deepEqual(
      s.rows.map((r) => r.Id),
      ['needle'],
    );
    assert.equal(s.dropped, 60_000);
  });
});
