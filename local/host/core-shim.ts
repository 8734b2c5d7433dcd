/**
 * The `@azure/functions-core` module that the Azure Functions Node worker provides to `@azure/functions`.
 *
 * `@azure/functions` requires this module once, lazily, and silently drops every registration when it is missing
 * ("test mode"). Installing this shim before the first registration lets the unchanged app register its functions
 * with the local host. The module is a process-wide singleton (so is the programming model it receives), therefore
 * registrations are routed to whichever host is currently loading an app: one process can run several hosts one
 * after another, or at once when each loads a different entry file.
 */
import Module from 'node:module';

/** Typed data as the worker's RPC protocol carries it (the subset the local host produces and reads). */
export interface RpcTypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  double?: number;
  http?: RpcHttpData;
}

export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: RpcTypedData;
  statusCode?: string;
  cookies?: unknown[];
}

export interface CoreBinding {
  type: string;
  direction: 'in' | 'out';
  name?: string;
  [option: string]: unknown;
}

export interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, CoreBinding>;
  retryOptions?: unknown;
}

export type CoreFunctionCallback = (...args: unknown[]) => unknown;

export interface CoreInvocationContext {
  invocationId: string;
  request: {
    inputData: { name: string; data: RpcTypedData | undefined }[];
    triggerMetadata?: Record<string, RpcTypedData>;
  };
  metadata: CoreFunctionMetadata;
  state?: string;
  log(level: string, category: string, message: string): void;
}

export interface CoreInvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: CoreFunctionCallback): Promise<unknown>;
  getResponse(
    context: unknown,
    result: unknown,
  ): Promise<{ returnValue?: RpcTypedData | null; outputData?: { name: string; data: RpcTypedData }[] }>;
}

export interface CoreProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): CoreInvocationModel;
}

/** What a host receives from the shim while it loads its app. */
export interface RegistrationSink {
  registerFunction(metadata: CoreFunctionMetadata, callback: CoreFunctionCallback): void;
  registerHook(hookName: string, callback: (ctx: unknown) => unknown): void;
}

class Disposable {
  constructor(private readonly onDispose: () => void) {}
  dispose(): void {
    this.onDispose();
  }
}

let programmingModel: CoreProgrammingModel | undefined;
let currentSink: RegistrationSink | undefined;
let installed = false;

const coreApi = {
  version: '3.10.1',
  hostVersion: '4.1041.0',
  Disposable,
  setProgrammingModel(model: CoreProgrammingModel): void {
    programmingModel = model;
  },
  getProgrammingModel(): CoreProgrammingModel | undefined {
    return programmingModel;
  },
  registerFunction(metadata: CoreFunctionMetadata, callback: CoreFunctionCallback): Disposable {
    // Outside a host's load (a unit test importing app code) registrations are dropped, like @azure/functions'
    // own test mode.
    currentSink?.registerFunction(metadata, callback);
    return new Disposable(() => undefined);
  },
  registerHook(hookName: string, callback: (ctx: unknown) => unknown): Disposable {
    currentSink?.registerHook(hookName, callback);
    return new Disposable(() => undefined);
  },
  log(level: string, category: string, message: string): void {
    if (level === 'error' || level === 'critical') console.error(`[${category}] ${message}`);
  },
};

/** Makes `require('@azure/functions-core')` return the shim. Idempotent. */
export function installCoreShim(): void {
  if (installed) return;
  installed = true;
  const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const originalLoad = mod._load;
  mod._load = function (request: string, parent: unknown, isMain: boolean): unknown {
    if (request === '@azure/functions-core') return coreApi;
    return originalLoad.call(this, request, parent, isMain);
  };
}

/** Runs `load` with registrations routed to `sink`. Loading is synchronous (require), so no other host interleaves. */
export function withRegistrationSink<T>(sink: RegistrationSink, load: () => T): T {
  installCoreShim();
  const previous = currentSink;
  currentSink = sink;
  try {
    return load();
  } finally {
    currentSink = previous;
  }
}

export function getProgrammingModel(): CoreProgrammingModel {
  if (!programmingModel) {
    throw new Error(
      'local host: @azure/functions did not set its programming model (no function was registered)',
    );
  }
  return programmingModel;
}
