/**
 * Calls an app function the way the Node worker does: through the programming model's InvocationModel, so inputs and
 * results convert exactly as in production (HTTP requests, typed data, return values).
 */
import { randomUUID } from 'node:crypto';
import { getProgrammingModel, type RpcTypedData } from './core-shim';
import type { RegisteredFunction } from './registry';

export type HostLog = (line: string) => void;

export interface InvocationResult {
  returnValue: RpcTypedData | null | undefined;
  /** The handler's own return value, before conversion (object identity intact). */
  handlerResult: unknown;
  outputs: Map<string, RpcTypedData>;
}

/** Invokes `fn` with its trigger data and extra inputs by binding name. Rejects with the handler's own error. */
export async function invoke(
  fn: RegisteredFunction,
  triggerData: RpcTypedData | undefined,
  extraInputs: Record<string, RpcTypedData>,
  log: HostLog,
): Promise<InvocationResult> {
  const invocationId = randomUUID();
  const inputData: { name: string; data: RpcTypedData | undefined }[] = [
    { name: fn.triggerBindingName, data: triggerData },
  ];
  for (const [name, data] of Object.entries(extraInputs)) inputData.push({ name, data });
  const coreCtx = {
    invocationId,
    request: { inputData },
    metadata: fn.metadata,
    state: 'invocation',
    log(level: string, category: string, message: string): void {
      if (category === 'user' || level === 'warning' || level === 'error')
        log(`[${fn.name}] ${level}: ${message}`);
    },
  };
  const model = getProgrammingModel().getInvocationModel(coreCtx);
  const { context, inputs } = await model.getArguments();
  const result = await model.invokeFunction(context, inputs, fn.callback);
  const response = await model.getResponse(context, result);
  const outputs = new Map<string, RpcTypedData>();
  for (const o of response.outputData ?? []) outputs.set(o.name, o.data);
  return { returnValue: response.returnValue, handlerResult: result, outputs };
}

/** Rejects with `message` when `work` takes longer than `ms` (host.json functionTimeout); the work keeps running. */
export function withTimeout<T>(work: Promise<T>, ms: number | undefined, message: string): Promise<T> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export const timeoutMessage = (ms: number | undefined, name: string): string =>
  `Timeout value of ${ms} ms (host.json functionTimeout) was exceeded by function: ${name}`;

/** Typed data for a JSON value as the extension hands durable payloads to the worker. */
export function jsonData(value: unknown): RpcTypedData | undefined {
  return value === undefined ? undefined : { json: JSON.stringify(value) };
}

/** Decodes a function's return value to a JSON text (what durable history stores), `null` for nothing. */
export function typedDataToJsonText(data: RpcTypedData | null | undefined): string | null {
  if (!data) return null;
  if (data.json !== undefined) return data.json;
  if (data.string !== undefined) return JSON.stringify(data.string);
  if (data.int !== undefined) return String(data.int);
  if (data.double !== undefined) return String(data.double);
  if (data.bytes !== undefined) return JSON.stringify(Buffer.from(data.bytes).toString('base64'));
  return null;
}
