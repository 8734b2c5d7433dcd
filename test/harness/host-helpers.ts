/** Starting a local host on the test fixtures with a throw-away state dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startHost, type HostOptions, type RunningHost } from '../../local/host';

export const fixture = (name: string): string => resolve(__dirname, '..', 'local', 'host', 'fixtures', name);
export const testKey = 'test-function-key';

/** A history event as the status API shows it (names instead of numbers). */
export interface ShownEvent {
  EventType: string;
  EventId: number;
  Timestamp: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  Name?: string;
  InstanceId?: string;
  Input?: string | null;
  Result?: string | null;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
}

export interface StatusWithHistory {
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
  historyEvents: ShownEvent[];
}

/** What an HTTP call answered; `ok`/`value`/`error` are the clientOp fixture's report of a DurableClient call. */
export interface Reply {
  status: number;
  headers: Headers;
  body: { ok?: boolean; value?: unknown; error?: string; [key: string]: unknown } | undefined;
}

export interface TestHost extends RunningHost {
  stateDir: string;
  /** POSTs JSON to an app route (with the function key) and returns status + parsed body. */
  post(path: string, body?: unknown): Promise<Reply>;
  get(path: string): Promise<Reply>;
  /** Starts an orchestration through the real DurableClient; returns the instance id. */
  start(name: string, input?: unknown, instanceId?: string): Promise<string>;
  /** Status through the real DurableClient. */
  status(instanceId: string): Promise<unknown>;
  /** Status with `historyEvents`, straight from the RPC API (the client drops them). */
  history(instanceId: string): Promise<StatusWithHistory>;
  dispose(): Promise<void>;
}

export async function parse(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: body as Reply['body'] };
}

export async function startTestHost(options: Partial<HostOptions> = {}): Promise<TestHost> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'local-host-test-'));
  const host = await startHost({
    appEntry: fixture('durable-app.ts'),
    port: 0,
    rpcPort: 0,
    functionKey: testKey,
    log: () => undefined,
    ...options,
    stateDir,
  });
  const post = async (path: string, body?: unknown) =>
    parse(
      await fetch(`${host.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'x-functions-key': testKey, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  const get = async (path: string) =>
    parse(await fetch(`${host.baseUrl}${path}`, { headers: { 'x-functions-key': testKey } }));
  return {
    ...host,
    stateDir,
    post,
    get,
    async start(name, input, instanceId) {
      const r = await post(`/api/client/start/${instanceId ?? ''}`, { name, input });
      if (!r.body?.ok) throw new Error(`start ${name} failed: ${JSON.stringify(r.body)}`);
      return r.body.value as string;
    },
    async status(instanceId) {
      const r = await post(`/api/client/status/${encodeURIComponent(instanceId)}`);
      if (!r.body?.ok) throw new Error(`status ${instanceId} failed: ${JSON.stringify(r.body)}`);
      return r.body.value;
    },
    async history(instanceId) {
      const res = await fetch(
        `${host.rpcBaseUrl}instances/${encodeURIComponent(instanceId)}?showHistory=true&showHistoryOutput=true`,
      );
      return (await parse(res)).body as unknown as StatusWithHistory;
    },
    async dispose() {
      await host.close();
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** History event names (and ids) in order, from a status with history. */
export function eventPattern(status: StatusWithHistory): string[] {
  return (status.historyEvents ?? []).map((e) => {
    const id = e.EventId !== undefined && e.EventId >= 0 ? `#${e.EventId}` : '';
    const ref = e.TaskScheduledId ?? e.TimerId;
    return `${e.EventType}${id}${ref !== undefined ? `(${ref})` : ''}`;
  });
}
