/**
 * Records one run of a window: in the ledger (operators and later re-listings see what happened), as one structured
 * log line (Application Insights collects it with the invocation), and as one telemetry row in Kusto. The ledger is
 * the part that must not be lost; a telemetry row that cannot be ingested is logged as a warning and the run goes on.
 */
import type { InvocationContext } from '@azure/functions';
import type { KustoSink } from '../src/kusto';
import type { ManagementApiClient } from '../src/o365';
import type { WindowRecord } from '../src/pipeline/model';
import { summarizeParked, type PipelineState } from '../src/pipeline/state';
import { latencyOf, runLogLine, serverErrorsOf, telemetryRow } from '../src/pipeline/telemetry';
import { isoOf } from '../src/pipeline/windows';

export type RecordWindowInput = WindowRecord;

interface FaultCounters {
  throttled: number;
  serverErrors: number;
}

export function recordWindowActivity(deps: {
  state: (tenantId?: string) => Promise<PipelineState>;
  o365: (tenantId?: string) => Promise<ManagementApiClient>;
  sink: () => KustoSink;
  tenantId: (tenantId?: string) => string;
  tenantName: (tenantId?: string) => string;
  now: () => number;
}) {
  // The tenant clients' counters are cumulative per process: a run is charged what they grew since the previous run
  // recorded in this process (content types of one window run together, so they may share a window's faults).
  const lastSeen = new Map<string, FaultCounters>();
  async function faultsSince(tenantId: string): Promise<FaultCounters> {
    const stats = await deps.o365(tenantId).then(
      (c) => c.stats(),
      () => undefined,
    );
    if (!stats) return { throttled: 0, serverErrors: 0 };
    const current = { throttled: stats.throttled, serverErrors: serverErrorsOf(stats.byErrorCode) };
    const previous = lastSeen.get(tenantId) ?? { throttled: 0, serverErrors: 0 };
    lastSeen.set(tenantId, current);
    return {
      throttled: Math.max(0, current.throttled - previous.throttled),
      serverErrors: Math.max(0, current.serverErrors - previous.serverErrors),
    };
  }

  return async function recordWindow(
    input: RecordWindowInput,
    context?: InvocationContext,
  ): Promise<{ name: string; runs: number }> {
    const state = await deps.state(input.tenantId);
    // The ledger keeps the run's latency percentiles (shown by /windows), not the samples they come from.
    const latency = latencyOf(input.latency);
    const { latency: _samples, ...record } = input;
    const recorded = await state.recordWindow(
      Object.keys(latency).length ? { ...record, run: { ...record.run, latency } } : record,
    );
    const tenantId = deps.tenantId(input.tenantId);
    // The loop's parked set after the run (live runs only: a rewind's blobs join the live loop's set).
    const parked = input.parkedLoopId
      ? summarizeParked(await state.parkedSets(input.parkedLoopId), deps.now())
      : undefined;
    const row = telemetryRow(input, {
      tenantId,
      tenantName: deps.tenantName(input.tenantId),
      at: isoOf(deps.now()),
      ...(await faultsSince(tenantId)),
      ...(parked
        ? { parkedTotal: parked.count, hoursToNextParkedExpiry: parked.hoursToNextExpiry ?? null }
        : {}),
    });
    const line = runLogLine(row);
    if (input.run.status === 'failed') context?.warn(line);
    else context?.log(line);
    try {
      await deps.sink().ingestTelemetry([row], `run-${input.run.instanceId}-${input.run.status}`);
    } catch (e) {
      context?.warn(
        JSON.stringify({
          event: 'telemetryNotIngested',
          runId: row.RunId,
          window: row.WindowStart,
          error: e instanceof Error ? e.message : String(e),
        }),
      );
    }
    return recorded;
  };
}
