/**
 * The app's entry point and the only place that registers functions. Settings and alert rules are validated here,
 * at load, so a bad setting stops start-up with its name instead of failing the first window an hour later.
 */
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import * as checkpointActivities from '../activities/checkpoint';
import { ActivityNames, OrchestratorNames } from '../activities/contracts';
import { correlateWindow } from '../activities/correlateWindow';
import { fetchContent } from '../activities/fetchContent';
import { ingestWindow } from '../activities/ingestWindow';
import { listContent } from '../activities/listContent';
import { recordWindow } from '../activities/ledger';
import { ensureSubscription } from '../activities/subscription';
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
import { PURGE_SCHEDULE, purgeHistory } from './functions/purge';
import { getConfig, getRules, resetRuntime } from './runtime';

resetRuntime();
getConfig();
getRules();

df.app.orchestration(OrchestratorNames.pipelineLoop, pipelineLoop);
df.app.orchestration(OrchestratorNames.processWindow, processWindow);
df.app.orchestration(OrchestratorNames.fetchBatch, fetchBatch);
df.app.orchestration(OrchestratorNames.rewindRange, rewindRange);

df.app.activity(ActivityNames.loadCheckpoint, { handler: checkpointActivities.loadCheckpoint });
df.app.activity(ActivityNames.saveCheckpoint, { handler: checkpointActivities.saveCheckpoint });
df.app.activity(ActivityNames.ensureSubscription, { handler: ensureSubscription });
df.app.activity(ActivityNames.listContent, { handler: listContent });
df.app.activity(ActivityNames.fetchContent, { handler: fetchContent });
df.app.activity(ActivityNames.correlateWindow, { handler: correlateWindow });
df.app.activity(ActivityNames.ingestWindow, { handler: ingestWindow });
df.app.activity(ActivityNames.recordWindow, { handler: recordWindow });

const client = df.input.durableClient();
app.http('pipelineStart', {
  route: 'pipeline/start',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [client],
  handler: startPipeline,
});
app.http('pipelineStatus', {
  route: 'pipeline/status',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [client],
  handler: pipelineStatus,
});
app.http('pipelineStop', {
  route: 'pipeline/stop',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [client],
  handler: stopPipeline,
});
app.http('pipelineRewind', {
  route: 'pipeline/rewind',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [client],
  handler: rewindPipeline,
});
app.http('pipelineWindows', {
  route: 'pipeline/windows',
  methods: ['GET'],
  authLevel: 'function',
  handler: listWindows,
});
app.http('pipelineDashboard', {
  route: 'pipeline/dashboard',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request, context) =>
    import('./functions/dashboard').then((m) => m.dashboardPage(request, context)),
});
app.timer('purgeHistory', {
  schedule: PURGE_SCHEDULE,
  extraInputs: [client],
  handler: purgeHistory,
});
