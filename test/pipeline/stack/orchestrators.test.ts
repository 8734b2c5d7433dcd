/* eslint-disable @typescript-eslint/no-explicit-any -- the fake context records untyped task inputs for inspection */
/**
 * The orchestrators driven without a host: a fake context records what each generator schedules and answers with
 * canned results, so batching, the empty window, checkpoint order, failure handling and stop are checked directly.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { OrchestrationContext } from 'durable-functions';
import type { ActivityName } from '../../../activities';
import { STOP_EVENT, zeroCounts, type Checkpoint, type PipelineLoopInput } from '../../../src/pipeline/model';
import { fetchBatch, processWindow, type ProcessWindowInput } from '../../../orchestrators/processWindow';
import { pipelineLoop } from '../../../orchestrators/pipelineLoop';

/** Activity names as registered (a typo here fails to compile). */
const ActivityNames = new Proxy({} as { [N in ActivityName]: N }, { get: (_t, name) => name });

type Scheduled =
  | { kind: 'activity'; name: string; input: any }
  | { kind: 'sub'; name: string; input: any; id: string }
  | { kind: 'all'; tasks: Scheduled[] }
  | { kind: 'any'; tasks: Scheduled[] }
  | { kind: 'timer'; at: Date; cancel(): void }
  | { kind: 'event'; name: string };

interface Run {
  result: unknown;
  log: Scheduled[];
  /** Activities as they are scheduled (`+name`) and as they complete (`-name`), in order. */
  timeline: string[];
  customStatus: any;
  continuedWith?: any;
}

type Answer = (task: Scheduled) => unknown;

function fakeContext(input: unknown, instanceId: string, nowIso: string, run: Run): OrchestrationContext {
  const df = {
    instanceId,
    currentUtcDateTime: new Date(nowIso),
    getInput: () => input,
    callActivityWithRetry: (name: string, _retry: unknown, arg: unknown) => {
      run.timeline.push(`+${name}`);
      return { kind: 'activity', name, input: arg };
    },
    callActivity: (name: string, arg: unknown) => ({ kind: 'activity', name, input: arg }),
    callSubOrchestrator: (name: string, arg: unknown, id: string) => {
      run.timeline.push(`+${name}`);
      return { kind: 'sub', name, input: arg, id };
    },
    createTimer: (at: Date) => ({ kind: 'timer', at, cancel: () => undefined }),
    waitForExternalEvent: (name: string) => ({ kind: 'event', name }),
    setCustomStatus: (s: unknown) => (run.customStatus = s),
    continueAsNew: (i: unknown) => (run.continuedWith = i),
    Task: {
      all: (tasks: Scheduled[]) => {
        if (tasks.length === 0) throw new Error('Task.all needs at least one task'); // as durable-functions
        return { kind: 'all', tasks };
      },
      any: (tasks: Scheduled[]) => ({ kind: 'any', tasks }),
    },
  };
  return { df } as unknown as OrchestrationContext;
}

/**
 * Tasks that consume a sequence id (activity, sub-orchestration, timer) and have been yielded inside a Task.all or
 * Task.any. durable-functions sends a compound task's child actions with it, and the Azure host schedules every action
 * it is sent (azure-functions-durable-js issue #574), so such a task in a second compound would run twice.
 */
const compounded = new Set<Scheduled>();
const reemitted: string[] = [];
function noteCompounded(children: Scheduled[]): void {
  for (const child of children) {
    if (child.kind !== 'activity' && child.kind !== 'sub' && child.kind !== 'timer') continue;
    if (compounded.has(child)) reemitted.push(child.kind === 'timer' ? 'timer' : child.name);
    compounded.add(child);
  }
}
after(() => {
  assert.deepEqual(reemitted, [], 'no scheduled task is yielded in a second Task.all or Task.any');
});

/** Runs a generator to the end; `answer` gives each leaf task's result (throw an Error to fail it). */
function drive(
  orchestrator: (ctx: OrchestrationContext) => Generator<unknown, unknown, unknown>,
  input: unknown,
  answer: Answer,
  instanceId = 'parent',
  nowIso = '2026-03-10T12:00:00.000Z',
): Run {
  const run: Run = { result: undefined, log: [], timeline: [], customStatus: undefined };
  const gen = orchestrator(fakeContext(input, instanceId, nowIso, run));
  const resolve = (task: Scheduled): unknown => {
    run.log.push(task);
    if (task.kind === 'all' || task.kind === 'any') noteCompounded(task.tasks);
    if (task.kind === 'all') return task.tasks.map(resolve);
    if (task.kind === 'any') {
      // The first task that "completes": answer() returns undefined for tasks that stay pending.
      run.log.push(...task.tasks.filter((t) => t.kind === 'timer'));
      for (const t of task.tasks) if (answer(t) !== undefined) return t;
      throw new Error('no task completes');
    }
    const value = answer(task);
    if (task.kind === 'activity' || task.kind === 'sub') run.timeline.push(`-${task.name}`);
    if (value instanceof Error) throw value;
    return value;
  };
  try {
    let step = gen.next();
    while (!step.done) {
      try {
        step = gen.next(resolve(step.value as Scheduled));
      } catch (error) {
        step = gen.throw(error);
      }
    }
    run.result = step.value;
    return run;
  } catch (error) {
    // The orchestration failed: the error carries what it did before, for the test to inspect.
    throw Object.assign(error as Error, { run });
  }
}

const windowInput = (over: Partial<ProcessWindowInput> = {}): ProcessWindowInput => ({
  runId: 'o365-pipeline',
  kind: 'live',
  contentType: 'Audit.General',
  listFrom: '2026-03-10T06:00:00.000Z',
  windowStart: '2026-03-10T08:00:00.000Z',
  windowEnd: '2026-03-10T09:00:00.000Z',
  correlationId: 'o365-pipeline',
  holdHours: 72,
  ...over,
});

const blob = (i: number) => ({
  contentType: 'Audit.General',
  contentId: `blob-${i}`,
  contentUri: `https://api/blob-${i}`,
  contentCreated: '2026-03-10T08:30:00.000Z',
});

function windowAnswers(blobs: number, listing: Record<string, unknown> = {}): Answer {
  return (task) => {
    if (task.kind !== 'activity') return undefined;
    switch (task.name) {
      case ActivityNames.listContent:
        return {
          toFetch: Array.from({ length: blobs }, (_, i) => blob(i)),
          listed: blobs + 1,
          alreadyProcessed: 1,
          lateContent: 0,
          ...listing,
        };
      case ActivityNames.fetchContent:
        return {
          contentId: task.input.content.contentId,
          outcome: 'selected',
          recordsSeen: 10,
          malformedRecords: 0,
          rowCount: 1,
          waitingCount: 0,
          verdictCount: 0,
          selection: { rows: [], waitingAlerts: [], verdicts: [] },
        };
      case ActivityNames.correlateWindow:
        return {
          rowsDocument: 'rows.json',
          rowCount: task.input.fetched.length,
          selectedRows: task.input.fetched.length,
          released: 0,
          expiredAlerts: 0,
          pendingAlerts: 3,
        };
      case ActivityNames.ingestWindow:
        return { ingested: 4, duplicateRecords: 1 };
      default:
        return {};
    }
  };
}

/** Runs processWindow, driving fetchBatch children through the same answers. */
function runWindow(input: ProcessWindowInput, answers: Answer): Run & { children: Run[] } {
  // By id: Task.any asks a child for its answer before the parent yields it.
  const children = new Map<string, Run>();
  const answer: Answer = (task) => {
    if (task.kind === 'sub') {
      if (!children.has(task.id)) children.set(task.id, drive(fetchBatch, task.input, answers, task.id));
      return children.get(task.id)!.result;
    }
    return answers(task);
  };
  const run = drive(processWindow, input, answer, 'o365-pipeline-Audit.General-2026-03-10T08:00:00.000Z');
  run.log.push(...[...children.values()].flatMap((c) => c.log));
  return { ...run, children: [...children.values()] };
}

/** The most tasks of `name` scheduled and not yet completed at any point of a timeline. */
function peakInFlight(timeline: string[], name: string): number {
  let running = 0;
  let peak = 0;
  for (const event of timeline) {
    if (event === `+${name}`) peak = Math.max(peak, ++running);
    if (event === `-${name}`) running--;
  }
  return peak;
}

describe('processWindow', () => {
  it('fans out large windows through fetchBatch children of at most batchSize blobs, ids deterministic', () => {
    const run = runWindow(windowInput({ batchSize: 2 }), windowAnswers(5));
    const subs = run.log.filter((t): t is Extract<Scheduled, { kind: 'sub' }> => t.kind === 'sub');
    assert.deepEqual(
      subs.map((s) => [s.id, s.input.items.length]),
      [
        ['o365-pipeline-Audit.General-2026-03-10T08:00:00.000Z-batch0', 2],
        ['o365-pipeline-Audit.General-2026-03-10T08:00:00.000Z-batch1', 2],
        ['o365-pipeline-Audit.General-2026-03-10T08:00:00.000Z-batch2', 1],
      ],
    );
    const correlate = run.log.find((t) => t.kind === 'activity' && t.name === ActivityNames.correlateWindow);
    assert.ok(correlate && correlate.kind === 'activity');
    assert.deepEqual(
      correlate.input.fetched.map((f: { contentId: string }) => f.contentId),
      ['blob-0', 'blob-1', 'blob-2', 'blob-3', 'blob-4'],
    );
    assert.equal(correlate.input.nowIso, '2026-03-10T09:00:00.000Z', 'pending alerts age in data time');
    const ingest = run.log.find((t) => t.kind === 'activity' && t.name === ActivityNames.ingestWindow);
    assert.ok(ingest && ingest.kind === 'activity');
    assert.equal(ingest.input.rowsDocument, 'rows.json', 'ingests the rows correlation wrote');
    const out = run.result as { counts: ReturnType<typeof zeroCounts>; pendingAlerts: number };
    assert.equal(out.counts.fetched, 5);
    assert.equal(out.counts.recordsSeen, 50);
    assert.equal(out.counts.alreadyProcessed, 1);
    assert.equal(out.counts.ingested, 4);
    assert.equal(out.pendingAlerts, 3);
  });

  it('fans out directly when the window is small, and records the ledger last', () => {
    const run = runWindow(windowInput(), windowAnswers(3));
    assert.equal(run.log.filter((t) => t.kind === 'sub').length, 0);
    const names = run.log.filter((t) => t.kind === 'activity').map((t) => (t as { name: string }).name);
    assert.deepEqual(
      names.filter((n) => n !== ActivityNames.fetchContent),
      [
        ActivityNames.ensureSubscription,
        ActivityNames.listContent,
        ActivityNames.correlateWindow,
        ActivityNames.ingestWindow,
        ActivityNames.recordWindow,
      ],
    );
    const record = run.log.find((t) => t.kind === 'activity' && t.name === ActivityNames.recordWindow);
    assert.ok(record && record.kind === 'activity');
    assert.deepEqual(record.input.contentIds, ['blob-0', 'blob-1', 'blob-2']);
  });

  it("keeps at most the listing's fetchesInFlight fetches running and fetches every blob once", () => {
    const run = runWindow(windowInput(), windowAnswers(10, { fetchesInFlight: 3 }));
    assert.equal(peakInFlight(run.timeline, ActivityNames.fetchContent), 3);
    const fetched = run.log.filter((t) => t.kind === 'activity' && t.name === ActivityNames.fetchContent);
    assert.deepEqual(
      fetched.map((t) => (t as { input: { content: { contentId: string } } }).input.content.contentId),
      Array.from({ length: 10 }, (_, i) => `blob-${i}`),
    );
    const correlate = run.log.find((t) => t.kind === 'activity' && t.name === ActivityNames.correlateWindow);
    assert.equal((correlate as { input: { fetched: unknown[] } }).input.fetched.length, 10);
  });

  it('runs fetchBatch children only as many at once as the limit needs, each within its share', () => {
    const run = runWindow(windowInput({ batchSize: 4 }), windowAnswers(20, { fetchesInFlight: 6 }));
    assert.equal(run.children.length, 5);
    assert.equal(peakInFlight(run.timeline, 'fetchBatch'), 2, 'ceil(6 / 4) children at once');
    for (const child of run.children) {
      assert.ok(
        peakInFlight(child.timeline, ActivityNames.fetchContent) <= 3,
        'each child fetches 6 / 2 at once',
      );
    }
    const correlate = run.log.find((t) => t.kind === 'activity' && t.name === ActivityNames.correlateWindow);
    assert.deepEqual(
      (correlate as { input: { fetched: { contentId: string }[] } }).input.fetched.map((f) => f.contentId),
      Array.from({ length: 20 }, (_, i) => `blob-${i}`),
    );
  });

  it('schedules every fetch at once when the listing carries no limit (histories written before it)', () => {
    const run = runWindow(windowInput(), windowAnswers(10));
    assert.equal(peakInFlight(run.timeline, ActivityNames.fetchContent), 10);
  });

  it('reports a failed fetch only after the running ones settle, and starts no fetch after it', () => {
    const answers = windowAnswers(10, { fetchesInFlight: 3 });
    const failBlob1: Answer = (task) =>
      task.kind === 'activity' &&
      task.name === ActivityNames.fetchContent &&
      task.input.content.contentId === 'blob-1'
        ? new Error('blob-1 failed')
        : answers(task);
    const failure = (() => {
      try {
        runWindow(windowInput(), failBlob1);
      } catch (error) {
        return error as Error & { run: Run };
      }
      assert.fail('the window should fail');
    })();
    assert.match(failure.message, /blob-1 failed/);
    const fetches = failure.run.timeline.filter((e) => e.endsWith(ActivityNames.fetchContent));
    // One wave (blob-0, 1, 2) started and settled; blob-1 failed in it, so no second wave started.
    const started = fetches.filter((e) => e.startsWith('+'));
    assert.equal(started.length, 3);
    assert.ok(fetches.lastIndexOf(started[0]!) < fetches.indexOf(`-${ActivityNames.fetchContent}`));
    assert.ok(!failure.run.timeline.includes(`+${ActivityNames.correlateWindow}`));
  });

  it('completes a window with nothing to fetch', () => {
    const run = runWindow(windowInput(), windowAnswers(0));
    assert.equal(
      run.log.filter((t) => t.kind === 'activity' && t.name === ActivityNames.fetchContent).length,
      0,
    );
    assert.ok(run.log.some((t) => t.kind === 'activity' && t.name === ActivityNames.recordWindow));
  });

  it('re-fetches everything in a rewind (the ledger is not consulted)', () => {
    const run = runWindow(
      windowInput({ kind: 'rewind', runId: 'rw1', correlationId: 'rw1' }),
      windowAnswers(1),
    );
    const list = run.log.find((t) => t.kind === 'activity' && t.name === ActivityNames.listContent);
    assert.ok(list && list.kind === 'activity');
    assert.equal(list.input.skipKnown, false);
  });
});

const checkpoint: Checkpoint = {
  loopId: 'o365-pipeline',
  nextStart: '2026-03-10T08:00:00.000Z',
  origin: '2026-03-10T07:00:00.000Z',
  updatedAt: '2026-03-10T08:05:00.000Z',
  windowsDone: 1,
  totals: zeroCounts(),
  dataLoss: [],
};
const loopInput: PipelineLoopInput = {
  loopId: 'o365-pipeline',
  settings: {
    contentTypes: ['Audit.General'],
    windowMinutes: 60,
    settleMinutes: 5,
    relistOverlapMinutes: 120,
    holdHours: 72,
  },
  checkpoint,
};
const windowResult = {
  contentType: 'Audit.General',
  counts: { ...zeroCounts(), ingested: 2 },
  pendingAlerts: 1,
};

describe('pipelineLoop', () => {
  it('processes the next window, saves the checkpoint after it, and continues as new from the window end', () => {
    const run = drive(pipelineLoop, loopInput, (task) => {
      if (task.kind === 'event') return undefined; // no stop
      if (task.kind === 'sub') return [windowResult][0];
      return {};
    });
    const kinds = run.log
      .filter((t) => t.kind === 'sub' || t.kind === 'activity')
      .map((t) => (t.kind === 'sub' ? t.id : t.name));
    assert.deepEqual(kinds, [
      'o365-pipeline-Audit.General-2026-03-10T08:00:00.000Z',
      ActivityNames.saveCheckpoint,
    ]);
    const sub = run.log.find((t) => t.kind === 'sub');
    assert.ok(sub && sub.kind === 'sub');
    assert.equal(sub.input.listFrom, '2026-03-10T07:00:00.000Z', 're-listing stops at the origin');
    assert.equal(run.continuedWith.checkpoint.nextStart, '2026-03-10T09:00:00.000Z');
    assert.equal(run.continuedWith.checkpoint.windowsDone, 2);
    assert.equal(run.continuedWith.checkpoint.totals.ingested, 2);
    assert.equal(run.continuedWith.pendingAlerts, 1);
  });

  it('retries a failing window with backoff, recording the failure, without moving the checkpoint', () => {
    const run = drive(pipelineLoop, loopInput, (task) => {
      if (task.kind === 'event') return undefined;
      if (task.kind === 'sub') return new Error('listContent failed: AF50000');
      if (task.kind === 'timer') return true;
      return {};
    });
    assert.equal(
      run.log.some((t) => t.kind === 'activity' && t.name === ActivityNames.saveCheckpoint),
      false,
    );
    const failed = run.log.find((t) => t.kind === 'activity' && t.name === ActivityNames.recordWindow);
    assert.ok(failed && failed.kind === 'activity');
    assert.equal(failed.input.run.status, 'failed');
    const timer = run.log.find((t) => t.kind === 'timer');
    assert.ok(timer && timer.kind === 'timer');
    assert.equal(timer.at.toISOString(), '2026-03-10T12:01:00.000Z', 'first retry after a minute');
    assert.equal(run.continuedWith.attempt, 2);
    assert.equal(run.continuedWith.checkpoint.nextStart, checkpoint.nextStart);
    assert.match(run.continuedWith.recentFailures[0].error, /AF50000/);
    assert.equal(run.customStatus.state, 'retrying');
  });

  it('sleeps on a durable timer when caught up', () => {
    const run = drive(
      pipelineLoop,
      { ...loopInput, checkpoint: { ...checkpoint, nextStart: '2026-03-10T11:30:00.000Z' } },
      (task) => (task.kind === 'timer' ? true : task.kind === 'event' ? undefined : {}),
    );
    const timer = run.log.find((t) => t.kind === 'timer');
    assert.ok(timer && timer.kind === 'timer');
    assert.equal(timer.at.toISOString(), '2026-03-10T12:35:00.000Z');
    assert.equal(
      run.log.some((t) => t.kind === 'sub'),
      false,
    );
    assert.ok(run.continuedWith);
  });

  it('stops after the window in progress when the stop event arrives', () => {
    const run = drive(pipelineLoop, loopInput, (task) => {
      if (task.kind === 'event') return task.name === STOP_EVENT ? {} : undefined;
      if (task.kind === 'all') return undefined; // the window is still running when the event arrives
      if (task.kind === 'sub') return windowResult;
      return {};
    });
    assert.ok(
      run.log.some((t) => t.kind === 'activity' && t.name === ActivityNames.saveCheckpoint),
      'the window finished',
    );
    assert.equal(run.continuedWith, undefined);
    assert.equal(run.customStatus.state, 'stopped');
  });
});
