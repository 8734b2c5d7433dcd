/**
 * What the Durable extension hands to `df.getClient` (the durableClient input binding) and the JSON it answers with
 * on status and creation requests. URLs point at this host's public webhooks; `rpcBaseUrl` at its RPC server.
 */
import type { RpcTypedData } from './core-shim';
import type { InstanceRecord } from './store';
import { describeHistory } from './wire';

export interface ClientEndpoints {
  baseUrl: string;
  rpcBaseUrl: string;
  hubName: string;
  functionKey: string;
}

const idPlaceholder = 'INSTANCEID';

function webhookRoot(e: ClientEndpoints): string {
  return `${e.baseUrl}/runtime/webhooks/durabletask`;
}

function query(e: ClientEndpoints): string {
  return `taskHub=${encodeURIComponent(e.hubName)}&connection=Storage&code=${encodeURIComponent(e.functionKey)}`;
}

export function managementUrls(e: ClientEndpoints, instanceId: string): Record<string, string> {
  const root = `${webhookRoot(e)}/instances/${encodeURIComponent(instanceId)}`;
  const q = query(e);
  return {
    id: instanceId,
    statusQueryGetUri: `${root}?${q}`,
    sendEventPostUri: `${root}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${root}/terminate?reason={text}&${q}`,
    rewindPostUri: `${root}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${root}?${q}`,
    restartPostUri: `${root}/restart?${q}`,
    suspendPostUri: `${root}/suspend?reason={text}&${q}`,
    resumePostUri: `${root}/resume?reason={text}&${q}`,
  };
}

export function durableClientPayload(e: ClientEndpoints): RpcTypedData {
  const payload = {
    taskHubName: e.hubName,
    creationUrls: {
      createNewInstancePostUri: `${webhookRoot(e)}/orchestrators/{functionName}[/{instanceId}]?code=${encodeURIComponent(e.functionKey)}`,
      createAndWaitOnNewInstancePostUri: `${webhookRoot(e)}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${encodeURIComponent(e.functionKey)}`,
    },
    managementUrls: managementUrls(e, idPlaceholder),
    baseUrl: webhookRoot(e),
    requiredQueryStringParameters: `code=${encodeURIComponent(e.functionKey)}`,
    rpcBaseUrl: e.rpcBaseUrl,
  };
  return { string: JSON.stringify(payload) };
}

function parseOrNull(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

export interface StatusOptions {
  showHistory?: boolean;
  showHistoryOutput?: boolean;
  showInput?: boolean;
}

export function statusJson(inst: InstanceRecord, opts: StatusOptions = {}): Record<string, unknown> {
  const status: Record<string, unknown> = {
    name: inst.name,
    instanceId: inst.instanceId,
    runtimeStatus: inst.status,
    input: opts.showInput === false ? null : parseOrNull(inst.input),
    customStatus: parseOrNull(inst.customStatus),
    output: parseOrNull(inst.output),
    createdTime: new Date(inst.createdAt).toISOString(),
    lastUpdatedTime: new Date(inst.updatedAt).toISOString(),
  };
  if (opts.showHistory) status.historyEvents = describeHistory(inst.history, !!opts.showHistoryOutput);
  return status;
}
