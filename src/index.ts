/**
 * The app's entry point and the only place that registers functions (and so the only module under src/ that imports
 * activities/ and orchestrators/). Settings and alert rules are validated here, at load, so a bad setting stops
 * start-up with its name instead of failing the first window an hour later.
 */
import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { createActivities } from '../activities';
import { fetchBatch, processWindow } from '../orchestrators/processWindow';
import { pipelineLoop } from '../orchestrators/pipelineLoop';
import { rewindRange } from '../orchestrators/rewindRange';
import {
  listWindows,
  pipelineStatus,
  rewindPipeline,
  startPipeline,
  stopPipeline,
} from './functions/pipeline';
import { dashboardPage } from './functions/dashboard';
import { retryParked } from './functions/parked';
import { VERIFY_INGESTIONS_SCHEDULE, verifyIngestionsTimer } from './functions/verify-ingestions';
import { PURGE_SCHEDULE, purgeHistory } from './functions/purge';
import { RECONCILE_SCHEDULE, reconcileTenants } from './functions/reconcile';
import { OrchestratorNames } from './pipeline/model';
import {
  getConfig,
  getKustoSink,
  getO365Client,
  getRules,
  getState,
  getTenant,
  resetRuntime,
} from './runtime';

resetRuntime();
getConfig();
getRules();

df.app.orchestration(OrchestratorNames.pipelineLoop, pipelineLoop);
df.app.orchestration(OrchestratorNames.processWindow, processWindow);
df.app.orchestration(OrchestratorNames.fetchBatch, fetchBatch);
df.app.orchestration(OrchestratorNames.rewindRange, rewindRange);

const activities = createActivities({
  state: getState,
  o365: getO365Client,
  tenantId: (tenantId) => getTenant(tenantId).tenantId,
  tenantName: (tenantId) => getTenant(tenantId).name,
  sink: getKustoSink,
  rules: getRules,
  now: () => Date.now(),
});
for (const [name, handler] of Object.entries(activities)) {
  df.app.activity(name, {
    handler: handler as (input: unknown, context: InvocationContext) => Promise<unknown>,
  });
}

const client = df.input.durableClient();
const routes = [
  { name: 'pipelineStart', route: 'pipeline/start', method: 'POST', handler: startPipeline },
  { name: 'pipelineStatus', route: 'pipeline/status', method: 'GET', handler: pipelineStatus },
  { name: 'pipelineStop', route: 'pipeline/stop', method: 'POST', handler: stopPipeline },
  { name: 'pipelineRewind', route: 'pipeline/rewind', method: 'POST', handler: rewindPipeline },
  { name: 'pipelineWindows', route: 'pipeline/windows', method: 'GET', handler: listWindows },
  { name: 'pipelineDashboard', route: 'pipeline/dashboard', method: 'GET', handler: dashboardPage },
  { name: 'pipelineParkedRetry', route: 'pipeline/parked/retry', method: 'POST', handler: retryParked },
] as const;
for (const r of routes) {
  app.http(r.name, {
    route: r.route,
    methods: [r.method],
    authLevel: 'function',
    extraInputs: [client],
    handler: r.handler,
  });
}

app.timer('purgeHistory', {
  schedule: PURGE_SCHEDULE,
  extraInputs: [client],
  handler: purgeHistory,
});

app.timer('reconcileTenants', {
  schedule: RECONCILE_SCHEDULE,
  extraInputs: [client],
  handler: reconcileTenants,
});

app.timer('verifyIngestions', {
  schedule: VERIFY_INGESTIONS_SCHEDULE,
  handler: verifyIngestionsTimer,
});
