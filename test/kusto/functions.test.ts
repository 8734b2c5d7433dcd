/**
 * The shipped KQL functions over rows the alerts code really produces (selection + correlation), on the local Kusto
 * endpoint: an investigation AIR or an admin ends leaves "awaiting the SOC".
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKustoLocal } from '../../local/kusto';
import {
  correlate,
  emptyCorrelationState,
  loadRuleSet,
  selectFromContent,
  type CorrelationState,
} from '../../src/alerts';
import { applyKustoSetup, KustoSink } from '../../src/kusto';
import type { AlertRow } from '../../src/kusto/schema';
import { provenance, submissionInvestigation, userReportedAlert } from '../alerts/fixtures/records';

type KustoLocal = Awaited<ReturnType<typeof startKustoLocal>>;

const rules = loadRuleSet(undefined);

/** Runs windows of records through selection and correlation; returns every row the pipeline would ingest. */
function pipelineRows(windows: Record<string, unknown>[][]): AlertRow[] {
  let state: CorrelationState = emptyCorrelationState();
  const rows: AlertRow[] = [];
  windows.forEach((records, k) => {
    const hour = String(10 + k).padStart(2, '0');
    const s = selectFromContent(
      JSON.stringify(records),
      rules,
      provenance({ contentId: `w${k}`, contentCreated: `2026-01-28T${hour}:05:00Z` }),
    );
    const r = correlate(
      JSON.parse(JSON.stringify(state)) as CorrelationState,
      [s],
      `2026-01-28T${hour}:59:00Z`,
      72,
    );
    state = r.state;
    rows.push(...s.rows, ...r.released);
  });
  return rows;
}

describe('shipped KQL functions on pipeline rows', { timeout: 60_000 }, () => {
  let dir: string;
  let kusto: KustoLocal;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kusto-functions-'));
    kusto = await startKustoLocal({ port: 0, stateDir: join(dir, 'kusto') });
  });
  after(async () => {
    await kusto?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an investigation terminated or failed after Pending Action is no longer awaiting the SOC; its latest state is the terminal one', async () => {
    const inv = (
      id: string,
      investigationId: string,
      status: string,
      time: string,
    ): Record<string, unknown> =>
      submissionInvestigation({
        id,
        investigationId,
        status,
        providerAlertId: `A-${investigationId}`,
        creationTime: time,
      });
    const rows = pipelineRows([
      [
        userReportedAlert('alert-T', 'A-T'),
        inv('t1', 'T', 'Pending Action', '2026-01-28T10:30:00'),
        inv('f1', 'F', 'Pending Action', '2026-01-28T10:31:00'),
        inv('p1', 'P', 'pending action', '2026-01-28T10:32:00'),
        inv('r1', 'R', 'Pending Action', '2026-01-28T10:33:00'),
      ],
      [
        inv('t2', 'T', 'Terminated By User', '2026-01-28T11:30:00'),
        inv('f2', 'F', 'Failed', '2026-01-28T11:31:00'),
        // AIR runs again after an approval: a follow-up whose Status the rule does not select.
        inv('r2', 'R', 'Running', '2026-01-28T11:32:00'),
      ],
    ]);
    assert.ok(
      rows.some((r) => r.Id === 'r2'),
      'the follow-up update of a selected investigation is ingested',
    );

    const sink = new KustoSink({
      clusterUrl: kusto.url,
      ingestUrl: kusto.url,
      database: 'O365',
      table: 'FnAlerts',
      ingestionMode: 'streaming',
    });
    try {
      await applyKustoSetup({
        clusterUrl: kusto.url,
        ingestUrl: kusto.url,
        database: 'O365',
        table: 'FnAlerts',
        ingestionMode: 'streaming',
      });
      await sink.ingestRows(rows, 'functions-batch');
      const latest = await sink.query<{ InvestigationId: string; Status: string }>(
        'FnAlertsLatestInvestigations()',
      );
      assert.deepEqual(Object.fromEntries(latest.map((r) => [r.InvestigationId, r.Status])), {
        T: 'Terminated By User',
        F: 'Failed',
        P: 'pending action',
        R: 'Running',
      });
      const awaiting = await sink.query<{ InvestigationId: string }>('FnAlertsAwaitingSoc()');
      assert.deepEqual(
        awaiting.map((r) => r.InvestigationId),
        ['P'],
        'T and F ended, R is running again; P awaits whatever its casing',
      );
      const alert = rows.find((r) => r.Id === 'alert-T');
      assert.equal(
        alert?.AirVerdict,
        'Pending Action',
        'released in the first window with the verdict known then',
      );
    } finally {
      await sink.close();
    }
  });
});
