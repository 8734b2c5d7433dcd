/**
 * Management commands of the local Kusto endpoint through the real azure-kusto-data client: table and mapping
 * creation (idempotent), schema, policies, functions, the Admin-missing path, and refusals in Kusto's shape.
 */
import { Client } from 'azure-kusto-data';
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { kustoSetupCommands } from '../../../src/kusto/setup';
import { DB, type Harness, httpStatus, oneApiError, startHarness } from '../../harness/kusto-local';

const INGESTOR_TOKEN = 'fixture-ingestor-only';
const INGESTOR_VIEWER_TOKEN = 'fixture-ingestor-viewer';

describe('local Kusto management commands', { timeout: 180_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      tokens: { [INGESTOR_TOKEN]: ['ingestor'], [INGESTOR_VIEWER_TOKEN]: ['ingestor', 'viewer'] },
    });
  });
  after(async () => {
    await h?.close();
  });

  it('.create-merge table creates, is idempotent, adds columns and refuses a type change', async () => {
    const created = await h.mgmt(
      ".create-merge table Cmd (Id:string, N:long) with (folder='alerts', docstring='test table')",
    );
    assert.deepEqual(created, [
      {
        TableName: 'Cmd',
        Schema: 'Id:string,N:long',
        DatabaseName: DB,
        Folder: 'alerts',
        DocString: 'test table',
      },
    ]);
    const again = await h.mgmt(
      ".create-merge table Cmd (Id:string, N:long) with (folder='alerts', docstring='test table')",
    );
    assert.deepEqual(again, created);
    const merged = await h.mgmt('.create-merge table Cmd (Id:string, N:long, At:datetime, Data:dynamic)');
    assert.equal(merged[0]!.Schema, 'Id:string,N:long,At:datetime,Data:dynamic');
    await assert.rejects(h.mgmt('.create-merge table Cmd (N:string)'), (e: unknown) => {
      assert.equal(httpStatus(e), 400);
      assert.match(oneApiError(e)!['@message'], /Cannot alter column 'N'.*'long' to 'string'/);
      return true;
    });
  });

  it('.show tables and .show table T schema as json describe the table', async () => {
    await h.mgmt('.create-merge table Shown (A:string, B:real, C:bool, D:timespan)');
    const tables = await h.mgmt('.show tables');
    assert.ok(tables.some((t) => t.TableName === 'Shown' && t.DatabaseName === DB));
    const [schema] = await h.mgmt('.show table Shown schema as json');
    assert.deepEqual(JSON.parse(String(schema!.Schema)), {
      Name: 'Shown',
      OrderedColumns: [
        { Name: 'A', Type: 'System.String', CslType: 'string' },
        { Name: 'B', Type: 'System.Double', CslType: 'real' },
        { Name: 'C', Type: 'System.SByte', CslType: 'bool' },
        { Name: 'D', Type: 'System.TimeSpan', CslType: 'timespan' },
      ],
    });
  });

  it('JSON ingestion mappings are accepted in both casings, replaced on create-or-alter, and checked against the table', async () => {
    await h.mgmt('.create-merge table Mapped (Id:string, At:datetime)');
    const lower =
      '[{"column":"Id","path":"$.Id","datatype":"string"},{"column":"At","path":"$.When","datatype":"datetime"}]';
    const [first] = await h.mgmt(`.create-or-alter table Mapped ingestion json mapping 'M1' '${lower}'`);
    assert.equal(first!.Name, 'M1');
    assert.equal(first!.Kind, 'Json');
    assert.equal(first!.Mapping, lower);
    assert.ok(first!.LastUpdatedOn instanceof Date, 'LastUpdatedOn arrives as a datetime');
    const upper =
      '[{"Column":"Id","DataType":"string","Properties":{"Path":"$.id"}},{"Column":"At","Properties":{"Path":"$.at"}}]';
    await h.mgmt(`.create-or-alter table Mapped ingestion json mapping "M1" '${upper}'`);
    const mappings = await h.mgmt('.show table Mapped ingestion json mappings');
    assert.deepEqual(
      mappings.map((m) => [m.Name, m.Mapping]),
      [['M1', upper]],
    );
    await assert.rejects(
      h.mgmt(`.create-or-alter table Mapped ingestion json mapping 'Bad' '[{"column":"Nope","path":"$.x"}]'`),
      (e: unknown) => /column 'Nope'/.test(oneApiError(e)!['@message']),
    );
  });

  it('.alter table T policy streamingingestion enable / disable is reported back', async () => {
    await h.mgmt('.create-merge table Streamed (Id:string)');
    const [enabled] = await h.mgmt('.alter table Streamed policy streamingingestion enable');
    assert.equal(enabled!.PolicyName, 'StreamingIngestionPolicy');
    assert.equal(JSON.parse(String(enabled!.Policy)).IsEnabled, true);
    const [disabled] = await h.mgmt(`.alter table Streamed policy streamingingestion '{"IsEnabled": false}'`);
    assert.equal(JSON.parse(String(disabled!.Policy)).IsEnabled, false);
  });

  it('.create-or-alter function stores parameters, body, folder and docstring; .show functions lists them', async () => {
    await h.mgmt('.create-merge table FnT (Id:string)');
    const created = await h.mgmt(
      ".create-or-alter function with (folder='soc', docstring='ids only') Ids(prefix:string = 'a') { FnT | where Id startswith prefix }",
    );
    assert.deepEqual(created, [
      {
        Name: 'Ids',
        Parameters: "(prefix:string = 'a')",
        Body: '{ FnT | where Id startswith prefix }',
        Folder: 'soc',
        DocString: 'ids only',
      },
    ]);
    await h.mgmt('.create-or-alter function Ids() { FnT | take 1 }');
    const listed = await h.mgmt('.show functions');
    assert.deepEqual(
      listed.filter((f) => f.Name === 'Ids').map((f) => [f.Parameters, f.Body]),
      [['()', '{ FnT | take 1 }']],
    );
  });

  it('.get kusto identity token answers one AuthorizationContext; .get ingestion resources needs Azurite', async () => {
    const [token] = await h.mgmt('.get kusto identity token');
    assert.equal(typeof token!.AuthorizationContext, 'string');
    assert.ok(String(token!.AuthorizationContext).length > 0);
    await assert.rejects(h.mgmt('.get ingestion resources'), (e: unknown) =>
      /Queued ingestion is not enabled/.test(oneApiError(e)!['@message']),
    );
  });

  it('an unsupported management command is refused naming it', async () => {
    await assert.rejects(h.mgmt('.show cluster'), (e: unknown) => {
      assert.equal(httpStatus(e), 400);
      assert.match(oneApiError(e)!['@message'], /Management command '\.show cluster' is not supported/);
      return true;
    });
  });

  it('an Ingestor-only principal (bearer token) gets Forbidden for table creation but may ingest', async () => {
    const ingestor = new Client(h.kcsb(INGESTOR_TOKEN));
    try {
      await assert.rejects(
        ingestor.executeMgmt(DB, '.create-merge table ByIngestor (Id:string)'),
        (e: unknown) => {
          assert.equal(httpStatus(e), 403);
          const error = oneApiError(e)!;
          assert.equal(error.code, 'Forbidden');
          assert.match(error['@message'], /not authorized to perform operation 'Create table'/);
          return true;
        },
      );
      const [token] = (
        await ingestor.executeMgmt(DB, '.get kusto identity token')
      ).primaryResults[0]!.toJSON().data as Record<string, unknown>[];
      assert.ok(token!.AuthorizationContext);
    } finally {
      ingestor.close();
    }
  });

  it('setDefaultRoles turns unauthenticated callers into Ingestors until reset', async () => {
    h.kusto.setDefaultRoles(['ingestor']);
    try {
      await assert.rejects(
        h.mgmt('.create-merge table Later (Id:string)'),
        (e: unknown) => oneApiError(e)?.code === 'Forbidden',
      );
    } finally {
      h.kusto.setDefaultRoles(['admin']);
    }
    assert.equal((await h.mgmt('.create-merge table Later (Id:string)'))[0]!.TableName, 'Later');
  });

  it('the x-ms-local-roles header picks the roles of a hand-made request', async () => {
    const post = (roles: string) =>
      fetch(`${h.kusto.url}/v1/rest/mgmt`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ms-local-roles': roles },
        body: JSON.stringify({ db: DB, csl: '.create-merge table ByHeader (Id:string)' }),
      });
    const refused = await post('ingestor,viewer');
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'Forbidden');
    const bogus = await post('superuser');
    assert.equal(bogus.status, 400);
    assert.match(
      ((await bogus.json()) as { error: { '@message': string } }).error['@message'],
      /Unknown local Kusto role 'superuser'/,
    );
    const allowed = await post('admin');
    assert.equal(allowed.status, 200);
    await allowed.arrayBuffer();
  });

  it('the cloud-info probe is answered 404 so the SDK falls back to public-cloud defaults', async () => {
    const response = await fetch(`${h.kusto.url}/v1/rest/auth/metadata`);
    assert.equal(response.status, 404);
    await response.arrayBuffer();
  });

  it('.alter table T policy ingestionbatching stores the policy (defaults filled) and refuses under 10 seconds', async () => {
    await h.mgmt('.create-merge table Batched (Id:string)');
    const [unset] = await h.mgmt('.show table Batched policy ingestionbatching');
    assert.equal(
      JSON.parse(String(unset!.Policy)).MaximumBatchingTimeSpan,
      '00:05:00',
      'without a policy the service default applies',
    );
    const [set] = await h.mgmt(
      `.alter table Batched policy ingestionbatching '{"MaximumBatchingTimeSpan":"00:00:30"}'`,
    );
    assert.equal(set!.PolicyName, 'IngestionBatchingPolicy');
    assert.deepEqual(JSON.parse(String(set!.Policy)), {
      MaximumBatchingTimeSpan: '00:00:30',
      MaximumNumberOfItems: 500,
      MaximumRawDataSizeMB: 1024,
    });
    const [shown] = await h.mgmt('.show table Batched policy ingestionbatching');
    assert.equal(shown!.Policy, set!.Policy);
    await assert.rejects(
      h.mgmt(`.alter table Batched policy ingestionbatching '{"MaximumBatchingTimeSpan":"00:00:05"}'`),
      (e: unknown) => {
        assert.equal(httpStatus(e), 400);
        assert.match(oneApiError(e)!['@message'], /at least 00:00:10, got '00:00:05'/);
        return true;
      },
    );
  });

  it('.drop table T ingestion json mapping removes one mapping; dropping it again is EntityNotFound', async () => {
    await h.mgmt('.create-merge table Dropped (Id:string)');
    await h.mgmt(
      `.create-or-alter table Dropped ingestion json mapping 'Keep' '[{"column":"Id","path":"$.Id"}]'`,
    );
    await h.mgmt(
      `.create-or-alter table Dropped ingestion json mapping 'Gone' '[{"column":"Id","path":"$.id"}]'`,
    );
    const left = await h.mgmt(".drop table Dropped ingestion json mapping 'Gone'");
    assert.deepEqual(
      left.map((m) => m.Name),
      ['Keep'],
    );
    await assert.rejects(
      h.mgmt(".drop table Dropped ingestion json mapping 'Gone'"),
      (e: unknown) => oneApiError(e)?.code === 'BadRequest_EntityNotFound',
    );
  });

  it('.alter column T.C type=t changes the column type and keeps the others', async () => {
    await h.mgmt('.create-merge table Altered (Id:string, N:int, At:datetime)');
    const [altered] = await h.mgmt('.alter column Altered.N type=string');
    assert.equal(altered!.Schema, 'Id:string,N:string,At:datetime');
    await assert.rejects(h.mgmt('.alter column Altered.Nope type=string'), (e: unknown) =>
      /Column 'Nope' could not be found/.test(oneApiError(e)?.['@message'] ?? ''),
    );
  });

  it('a principal with Ingestor + Viewer may run none of the setup commands, Admin may run all twice', async () => {
    const commands = kustoSetupCommands({
      table: 'SetupRights',
      telemetryTable: 'SetupRightsRuns',
      ingestionMode: 'streaming',
      batchingSeconds: 30,
    });
    for (let pass = 0; pass < 2; pass++) for (const command of commands) await h.mgmt(command);
    const app = new Client(h.kcsb(INGESTOR_VIEWER_TOKEN));
    try {
      for (const command of commands) {
        await assert.rejects(app.executeMgmt(DB, command), (e: unknown) => {
          assert.equal(httpStatus(e), 403, command.slice(0, 60));
          return true;
        });
      }
      // What the app does run: the read-only checks.
      for (const command of [
        '.show table SetupRights schema as json',
        '.show table SetupRights ingestion json mappings',
        '.show table SetupRights policy streamingingestion',
        '.show table SetupRights policy ingestionbatching',
      ])
        await app.executeMgmt(DB, command);
    } finally {
      app.close();
    }
  });
});
