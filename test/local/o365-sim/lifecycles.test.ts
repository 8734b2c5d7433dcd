import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import {
  PROCESSED_STATUSES,
  type RunningSim,
  startO365Sim,
  TERMINAL_STATUSES,
  USER_REPORTED_ALERT_NAME,
} from '../../../local/o365-sim';
import { listAll, tenantClient } from './tenant-client';
import { HOUR, T0 } from '../../harness/sim-client';

const FROM = T0 - 24 * HOUR;
type Rec = Record<string, unknown>;
interface Served {
  record: Rec;
  contentCreated: number;
}

async function crawl(sim: RunningSim): Promise<Map<string, Served>> {
  const client = await tenantClient(sim, sim.tenantId);
  await client.post('subscriptions/start?contentType=Audit.General');
  const out = new Map<string, Served>();
  for (const e of await listAll(client, FROM, T0)) {
    const r = await client.get(e.contentUri);
    for (const record of r.json<Rec[]>())
      out.set(String(record.Id), { record, contentCreated: Date.parse(e.contentCreated) });
  }
  return out;
}

const byInvestigation = (served: Map<string, Served>): Map<string, Served[]> => {
  const out = new Map<string, Served[]>();
  for (const s of served.values()) {
    if (s.record.InvestigationType !== 'SubmissionInvestigation') continue;
    const id = String(s.record.InvestigationId);
    out.set(id, [...(out.get(id) ?? []), s]);
  }
  for (const list of out.values())
    list.sort((a, b) => String(a.record.CreationTime).localeCompare(String(b.record.CreationTime)));
  return out;
};

describe('o365-sim AIR lifecycle mix', () => {
  let terminated: RunningSim;
  let remediated: RunningSim;
  let terminatedServed: Map<string, Served>;
  let remediatedServed: Map<string, Served>;
  before(async () => {
    // The same tenant and seed, every investigation following one lifecycle.
    const simWithOnly = (lifecycle: 'terminatedAfterPending' | 'remediatedBeforeAlertListed') =>
      startO365Sim({
        port: 0,
        seed: 12,
        clock: new VirtualClock(T0),
        tenant: {
          recordsPerHour: 200,
          lifecycleMix: {
            standard: 0,
            terminatedAfterPending: 0,
            remediatedBeforeAlertListed: 0,
            [lifecycle]: 1,
          },
        },
      });
    terminated = await simWithOnly('terminatedAfterPending');
    remediated = await simWithOnly('remediatedBeforeAlertListed');
    terminatedServed = await crawl(terminated);
    remediatedServed = await crawl(remediated);
  });
  after(async () => {
    await terminated.close();
    await remediated.close();
  });

  it('ends investigations in a terminal status after Pending Action, and selects those later updates', () => {
    const truth = terminated.groundTruth(FROM, T0);
    const seenTerminal = new Set<string>();
    let complete = 0;
    for (const list of byInvestigation(terminatedServed).values()) {
      const statuses = list.map((s) => String(s.record.Status));
      const pending = statuses.indexOf('Pending Action');
      const last = statuses[statuses.length - 1] as string;
      if (pending < 0 || !(TERMINAL_STATUSES as readonly string[]).includes(last)) continue;
      complete++;
      assert.equal(pending, statuses.length - 2, statuses.join(' → '));
      seenTerminal.add(last);
      const terminal = list[list.length - 1] as Served;
      assert.ok(truth.ids.includes(String(terminal.record.Id)), 'the terminal update is selected');
      const row = truth.rows.find((r) => r.Id === terminal.record.Id);
      assert.equal(row?.AirVerdict, last);
      assert.equal(row?.Status, last);
    }
    assert.ok(complete > 10, `${complete} complete terminated lifecycles`);
    assert.deepEqual([...seenTerminal].sort(), [...TERMINAL_STATUSES].sort());
    // Their alerts are released with the processed status, the terminal one is not a verdict.
    assert.ok(truth.alerts.length > 10);
    for (const a of truth.alerts) assert.equal(a.verdict, 'Pending Action');
    const laterIds = new Set(truth.laterUpdateIds);
    for (const id of truth.ids) {
      const status = String(terminatedServed.get(id)?.record.Status);
      const rt = Number(terminatedServed.get(id)?.record.RecordType);
      if (rt === 64)
        assert.ok(
          [...PROCESSED_STATUSES, ...TERMINAL_STATUSES].includes(status as never) || laterIds.has(id),
          `${id}: ${status}`,
        );
    }
  });

  it('lists the alert after its Remediated update, and the ground truth releases it as Remediated', () => {
    const truth = remediated.groundTruth(FROM, T0);
    assert.ok(truth.alerts.length > 10);
    const alertBlobs = new Map<string, number>();
    for (const s of remediatedServed.values())
      if (s.record.Operation === 'AlertTriggered' && s.record.Name === USER_REPORTED_ALERT_NAME)
        alertBlobs.set(String(s.record.AlertId), s.contentCreated);
    let checked = 0;
    for (const a of truth.alerts) {
      assert.equal(a.verdict, 'Remediated', `alert ${a.alertRecordId}`);
      const pendingInRange = [...remediatedServed.values()].some(
        (s) => s.record.InvestigationId === a.investigationId && s.record.Status === 'Pending Action',
      );
      // At the range's start an investigation's Pending Action update may lie before the range.
      if (pendingInRange) assert.equal(a.firstVerdict, 'Pending Action');
      const remediatedRecord = [...remediatedServed.values()].find(
        (s) => s.record.InvestigationId === a.investigationId && s.record.Status === 'Remediated',
      );
      const alertAt = alertBlobs.get(a.alertId);
      if (!remediatedRecord || alertAt === undefined) continue;
      checked++;
      assert.ok(alertAt > remediatedRecord.contentCreated, 'the alert is listed after Remediated');
      // The alert keeps its own CreationTime: its availability is what is late.
      const alertRecord = remediatedServed.get(a.alertRecordId)?.record;
      assert.ok(Date.parse(`${String(alertRecord?.CreationTime)}Z`) < remediatedRecord.contentCreated);
    }
    assert.ok(checked > 5);
  });

  it('keeps the standard mix identical when the mix is given explicitly', async () => {
    const implicit = await startO365Sim({ port: 0, seed: 12, clock: new VirtualClock(T0) });
    const explicit = await startO365Sim({
      port: 0,
      seed: 12,
      clock: new VirtualClock(T0),
      tenant: { lifecycleMix: { standard: 1, terminatedAfterPending: 0, remediatedBeforeAlertListed: 0 } },
    });
    try {
      assert.deepEqual(explicit.groundTruth(FROM, T0), implicit.groundTruth(FROM, T0));
    } finally {
      await implicit.close();
      await explicit.close();
    }
    await assert.rejects(
      startO365Sim({
        port: 0,
        tenant: { lifecycleMix: { standard: 0, terminatedAfterPending: 0, remediatedBeforeAlertListed: 0 } },
      }),
      /lifecycleMix/,
    );
  });
});
