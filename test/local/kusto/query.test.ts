/**
 * The KQL subset, one query per operator, through the real azure-kusto-data client. The five fixture alerts are
 * streamed in with the real StreamingIngestClient; every expected result below was worked out by hand from them.
 */
import { ClientRequestProperties } from 'azure-kusto-data';
import { DataFormat } from 'azure-kusto-ingest';
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import { DB, type Harness, httpStatus, oneApiError, startHarness } from '../../harness/kusto-local';

const NOW = Date.parse('2025-06-01T00:00:00Z');
const PHISH = 'Email reported by user as malware or phish';

/** Sent under other field names than the columns, so the mapping is exercised. */
const ALERTS = [
  {
    id: 'a1',
    name: PHISH,
    sev: 'High',
    n: 3,
    score: 1.5,
    at: '2025-05-31T23:00:00Z',
    data: { k: 'x' },
    on: true,
  },
  {
    id: 'a2',
    name: 'Suspicious inbox rule',
    sev: 'Medium',
    n: 5,
    score: 2.5,
    at: '2025-05-31T12:00:00Z',
    data: { k: 'y' },
    on: false,
  },
  {
    id: 'a3',
    name: PHISH,
    sev: 'Low',
    n: 1,
    score: 0.5,
    at: '2025-05-25T00:00:00Z',
    data: { k: 'x' },
    on: true,
  },
  {
    id: 'a4',
    name: 'Phishing-campaign detected',
    sev: 'High',
    n: 7,
    score: 4.0,
    at: '2025-05-30T00:00:00Z',
    data: { k: 'z' },
    on: true,
  },
  {
    id: 'a5',
    name: '',
    sev: 'Informational',
    n: 2,
    score: null,
    at: '2025-05-01T00:00:00Z',
    data: null,
    on: false,
  },
];

const MAPPING = JSON.stringify([
  { column: 'Id', path: '$.id', datatype: 'string' },
  { column: 'Name', path: '$.name', datatype: 'string' },
  { column: 'Severity', path: '$.sev', datatype: 'string' },
  { Column: 'Count', DataType: 'long', Properties: { Path: '$.n' } },
  { Column: 'Score', DataType: 'real', Properties: { Path: '$.score' } },
  { column: 'Created', path: '$.at', datatype: 'datetime' },
  { column: 'Data', path: '$.data', datatype: 'dynamic' },
  { column: 'Active', path: '$.on', datatype: 'bool' },
]);

describe('local Kusto KQL subset', { timeout: 30_000 }, () => {
  let h: Harness;
  const clock = new VirtualClock(NOW);
  const ids = async (query: string): Promise<unknown[]> => (await h.query(query)).map((r) => r.Id);

  before(async () => {
    h = await startHarness({ clock });
    await h.mgmt(
      '.create-merge table Alerts (Id:string, Name:string, Severity:string, Count:long, Score:real, Created:datetime, Data:dynamic, Active:bool)',
    );
    await h.mgmt(`.create-or-alter table Alerts ingestion json mapping 'AlertsMapping' '${MAPPING}'`);
    await h.mgmt('.alter table Alerts policy streamingingestion enable');
    await h.streamIngest('Alerts', ALERTS, { format: DataFormat.MULTIJSON, mapping: 'AlertsMapping' });
  });
  after(async () => {
    await h?.close();
  });

  it('where ==, != on strings', async () => {
    assert.deepEqual(await ids('Alerts | where Severity == "High"'), ['a1', 'a4']);
    assert.deepEqual(await ids("Alerts | where Severity != 'High'"), ['a2', 'a3', 'a5']);
  });

  it('where <, <=, >, >= on numbers', async () => {
    assert.deepEqual(await ids('Alerts | where Count < 3'), ['a3', 'a5']);
    assert.deepEqual(await ids('Alerts | where Count <= 3'), ['a1', 'a3', 'a5']);
    assert.deepEqual(await ids('Alerts | where Count > 3'), ['a2', 'a4']);
    assert.deepEqual(await ids('Alerts | where Score >= 2.5'), ['a2', 'a4']);
  });

  it('where has matches whole terms, contains any substring, startswith a prefix (all case-insensitive)', async () => {
    assert.deepEqual(await ids('Alerts | where Name has "PHISH"'), ['a1', 'a3']);
    assert.deepEqual(await ids('Alerts | where Name contains "phish"'), ['a1', 'a3', 'a4']);
    assert.deepEqual(await ids('Alerts | where Name startswith "email"'), ['a1', 'a3']);
  });

  it('where in, and, or, not()', async () => {
    assert.deepEqual(await ids('Alerts | where Severity in ("Low", "Medium")'), ['a2', 'a3']);
    assert.deepEqual(await ids('Alerts | where (Severity == "High" and Count > 5) or not(Active)'), [
      'a2',
      'a4',
      'a5',
    ]);
  });

  it('where isempty / isnotempty', async () => {
    assert.deepEqual(await ids('Alerts | where isempty(Name)'), ['a5']);
    assert.deepEqual(await ids('Alerts | where isnotempty(Name)'), ['a1', 'a2', 'a3', 'a4']);
    assert.deepEqual(await ids('Alerts | where isempty(Score)'), ['a5']);
  });

  it('where with ago(), now() and datetime() against the endpoint clock', async () => {
    assert.deepEqual(await ids('Alerts | where Created > ago(1d)'), ['a1', 'a2']);
    assert.deepEqual(await ids('Alerts | where Created < now() - 7d'), ['a5']);
    assert.deepEqual(await ids('Alerts | where Created >= datetime(2025-05-30)'), ['a1', 'a2', 'a4']);
  });

  it('project renames and computes; the SDK gets typed columns', async () => {
    assert.deepEqual(
      await h.query('Alerts | where Count > 4 | project Id, Twice = Count * 2, Kind = tostring(Data.k)'),
      [
        { Id: 'a2', Twice: 10, Kind: 'y' },
        { Id: 'a4', Twice: 14, Kind: 'z' },
      ],
    );
    const [row] = await h.query('Alerts | where Id == "a1" | project Created, Data');
    assert.ok(row!.Created instanceof Date);
    assert.equal((row!.Created as Date).toISOString(), '2025-05-31T23:00:00.000Z');
    assert.deepEqual(row!.Data, { k: 'x' });
    assert.deepEqual(await h.columnTypes('Alerts | project Id, Count, Score, Created, Data, Active'), {
      Id: 'string',
      Count: 'long',
      Score: 'real',
      Created: 'datetime',
      Data: 'dynamic',
      Active: 'bool',
    });
  });

  it('project-away drops the named columns', async () => {
    const rows = await h.query('Alerts | where Id == "a4" | project-away Name, Score, Created, Data, Active');
    assert.deepEqual(rows, [{ Id: 'a4', Severity: 'High', Count: 7 }]);
  });

  it('extend adds or replaces columns', async () => {
    const rows = await h.query(
      'Alerts | where Id in ("a1", "a2") | extend Big = Count > 4, Severity = tolower(Severity) | project Id, Severity, Big',
    );
    assert.deepEqual(rows, [
      { Id: 'a1', Severity: 'high', Big: false },
      { Id: 'a2', Severity: 'medium', Big: true },
    ]);
  });

  it('summarize count, dcount, sum, min, max, avg, make_set by a key', async () => {
    const rows = await h.query(
      'Alerts | summarize n = count(), names = dcount(Name), total = sum(Count), lo = min(Count), hi = max(Count), mean = avg(Score), ids = make_set(Id) by Severity | order by Severity asc',
    );
    assert.deepEqual(rows, [
      { Severity: 'High', n: 2, names: 2, total: 10, lo: 3, hi: 7, mean: 2.75, ids: ['a1', 'a4'] },
      { Severity: 'Informational', n: 1, names: 1, total: 2, lo: 2, hi: 2, mean: null, ids: ['a5'] },
      { Severity: 'Low', n: 1, names: 1, total: 1, lo: 1, hi: 1, mean: 0.5, ids: ['a3'] },
      { Severity: 'Medium', n: 1, names: 1, total: 5, lo: 5, hi: 5, mean: 2.5, ids: ['a2'] },
    ]);
    assert.deepEqual(await h.query('Alerts | summarize count(), max(Created)'), [
      { count_: 5, max_Created: new Date('2025-05-31T23:00:00Z') },
    ]);
  });

  it('summarize arg_max(x, *) keeps the whole latest row per key', async () => {
    const rows = await h.query(
      'Alerts | summarize arg_max(Count, *) by Kind = tostring(Data.k) | project Kind, Id, Count | order by Kind asc',
    );
    assert.deepEqual(rows, [
      { Kind: '', Id: 'a5', Count: 2 },
      { Kind: 'x', Id: 'a1', Count: 3 },
      { Kind: 'y', Id: 'a2', Count: 5 },
      { Kind: 'z', Id: 'a4', Count: 7 },
    ]);
  });

  it('order by / sort by: desc by default, asc on request, nulls first when ascending', async () => {
    assert.deepEqual(await ids('Alerts | order by Count'), ['a4', 'a2', 'a1', 'a5', 'a3']);
    assert.deepEqual(await ids('Alerts | sort by Score asc'), ['a5', 'a3', 'a1', 'a2', 'a4']);
    assert.deepEqual(await ids('Alerts | order by Severity asc, Count desc'), ['a4', 'a1', 'a5', 'a3', 'a2']);
  });

  it('top N by, take and limit', async () => {
    assert.deepEqual(await ids('Alerts | top 2 by Score'), ['a4', 'a2']);
    assert.deepEqual(await ids('Alerts | top 2 by Count asc'), ['a3', 'a5']);
    assert.deepEqual(await ids('Alerts | take 2'), ['a1', 'a2']);
    assert.deepEqual(await ids('Alerts | limit 0'), []);
  });

  it('distinct and count', async () => {
    assert.deepEqual(await h.query('Alerts | distinct Severity | order by Severity asc'), [
      { Severity: 'High' },
      { Severity: 'Informational' },
      { Severity: 'Low' },
      { Severity: 'Medium' },
    ]);
    assert.deepEqual(await h.query('Alerts | where Active | count'), [{ Count: 3 }]);
  });

  it('let binds scalars and tabular expressions', async () => {
    assert.deepEqual(
      await h.query('let sev = "High"; let high = Alerts | where Severity == sev; high | count'),
      [{ Count: 2 }],
    );
  });

  it('declare query_parameters reads ClientRequestProperties parameters; set statements are accepted', async () => {
    const properties = new ClientRequestProperties();
    properties.setParameter('sev', 'High');
    properties.setParameter('ids', 'dynamic(["a1", "a2", "a3"])');
    const result = await h.client.execute(
      DB,
      'set notruncation; declare query_parameters(sev:string, ids:dynamic, minCount:long = 2); Alerts | where Severity == sev and Id in (ids) and Count >= minCount | project Id',
      properties,
    );
    assert.deepEqual(
      result.primaryResults[0]!.toJSON().data.map((r) => (r as { Id: string }).Id),
      ['a1'],
    );
  });

  it('each tabular statement of a query is one primary result', async () => {
    const result = await h.client.execute(
      DB,
      'Alerts | count; Alerts | where Severity == "Low" | project Id',
    );
    assert.equal(result.primaryResults.length, 2);
    assert.deepEqual(result.primaryResults[0]!.toJSON().data, [{ Count: 5 }]);
    assert.deepEqual(result.primaryResults[1]!.toJSON().data, [{ Id: 'a3' }]);
  });

  it('stored functions run with their parameters and defaults', async () => {
    await h.mgmt(
      ".create-or-alter function with (docstring='High alerts at or above a count') HighAlerts(minCount:long = 0) { Alerts | where Severity == 'High' and Count >= minCount }",
    );
    assert.deepEqual(await ids('HighAlerts(5)'), ['a4']);
    assert.deepEqual(await ids('HighAlerts() | order by Count asc'), ['a1', 'a4']);
    await h.mgmt('.create-or-alter function Phish() { HighAlerts() | where Name has "phish" }');
    assert.deepEqual(await ids('Phish | project Id'), ['a1']);
  });

  it('ingestion_time() is the time the extent landed', async () => {
    await h.mgmt('.create-merge table Timed (Id:string)');
    await h.mgmt('.alter table Timed policy streamingingestion enable');
    await h.streamIngest('Timed', '{"Id":"early"}\n');
    clock.advance(3_600_000);
    await h.streamIngest('Timed', '{"Id":"late"}\n');
    assert.deepEqual(await h.query('Timed | extend At = ingestion_time() | order by At asc'), [
      { Id: 'early', At: new Date(NOW) },
      { Id: 'late', At: new Date(NOW + 3_600_000) },
    ]);
    assert.deepEqual(await ids(`Timed | where ingestion_time() > datetime(${new Date(NOW).toISOString()})`), [
      'late',
    ]);
  });

  it('an unsupported operator or function fails with a Kusto error that names it', async () => {
    await assert.rejects(
      h.query('Alerts | join (Alerts) on Id'),
      /Kusto request had errors.*The 'join' operator is not supported/,
    );
    await assert.rejects(h.query('Alerts | mv-expand Data'), /'mv-expand' operator is not supported/);
    await assert.rejects(h.query('Alerts | extend h = hash(Id)'), /function 'hash\(\)' is not supported/);
    await assert.rejects(
      h.query('Alerts | summarize percentile(Count, 50)'),
      /'percentile\(\)' is not supported/,
    );
  });

  it('syntax errors and unknown names are refused in Kusto shape', async () => {
    await assert.rejects(h.query('Alerts | where'), (e: unknown) => {
      assert.equal(httpStatus(e), 400);
      assert.equal(oneApiError(e)!['@type'], 'Kusto.Data.Exceptions.SyntaxException');
      return true;
    });
    await assert.rejects(
      h.query('Alerts | where Nope == 1'),
      /Failed to resolve scalar expression named 'Nope'/,
    );
    await assert.rejects(
      h.query('NoSuchTable | take 1'),
      /Failed to resolve table or column expression named 'NoSuchTable'/,
    );
  });
});
